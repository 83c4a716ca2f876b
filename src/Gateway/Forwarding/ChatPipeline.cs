using System.Diagnostics;
using System.Runtime.CompilerServices;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Caching;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Scheduling;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.OpenAI;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// What every model route runs once the request is authenticated, parsed and routed: metering admission, the attempt plan,
/// the attempts (retries, fallbacks, circuit breakers, timeouts, drain), settlement at the answering model's price and the
/// request's metrics. Shared by <c>/v1/chat/completions</c>, <c>/v1/messages</c>, <c>/v1/responses</c>, <c>/v1/embeddings</c>, <c>/v1/completions</c> and <c>/v1/moderations</c> (one global retry budget).
/// </summary>
internal sealed class ChatPipeline(
    IHttpForwarder forwarder,
    GatewayMetrics metrics,
    ShutdownDrain drain,
    RequestMeter meter,
    WakeSpinner spinner,
    ResponseCaching caching,
    IOptions<GatewayOptions> options,
    ILogger<ChatPipeline> logger)
{
    private readonly ResilienceOptions _resilience = options.Value.Resilience;
    private readonly bool _accessLog = options.Value.AccessLog.Enabled;
    private readonly TimeSpan _keepAlive = options.Value.StreamKeepAlive;
    private readonly RetryBudget _budget = new(options.Value.Resilience.RetryBudgetRatio, options.Value.Resilience.RetryBudgetReserve);

    /// <param name="body">The OpenAI chat request the attempts send (rewritten per deployment as needed).</param>
    /// <param name="native">For <c>/v1/messages</c> and <c>/v1/responses</c>: the client's own body, for deployments speaking its dialect.</param>
    /// <param name="dialect">For <c>/v1/messages</c> and <c>/v1/responses</c>: the client dialect the answer is written in.</param>
    /// <param name="api">The OpenAI operation the body is for, when not chat completions: <c>/v1/embeddings</c>,
    /// <c>/v1/completions</c> or <c>/v1/moderations</c> (see <see cref="ChatAttempts.Api"/>).</param>
    /// <param name="cache">The request's use of the response cache, when it asked for it.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RunAsync(
        HttpContext context,
        ApiKeyInfo key,
        ModelRoute route,
        ModelRoute[] routes,
        PooledBufferWriter body,
        ChatRequestInfo request,
        string requestId,
        long started,
        NativeIngress? native = null,
        IClientDialect? dialect = null,
        ClientApi api = ClientApi.ChatCompletions,
        ResponseCaching.CacheRequest? cache = null)
    {
        // Counted for the settlement's linger: see RequestMeter.Started.
        meter.Started();
        spinner.Poke(meter.InFlight);
        // The API the client called (what the metrics, spans and access log name), which the body may have been translated from.
        var clientApi = dialect?.Api ?? native?.Api ?? api;
        GatewayTracing.DescribeRequest(key, route.Id, requestId, clientApi);
        var logged = _accessLog ? context.Features.Get<AccessLogEntry>() : null;
        logged?.Describe(key, route.Id, clientApi, request.Stream);
        StoredResponses.CapturedBody? capture = null;
        try
        {
            if (!EndUserHeader.TryRead(context, out var endUser))
            {
                metrics.Rejected(EndUserHeader.ErrorCode);
                await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, EndUserHeader.ErrorMessage, code: EndUserHeader.ErrorCode);
                return;
            }

            if (key.Account is not null)
            {
                // The ledger's end user: read from the body for metered keys only (a string per request).
                endUser ??= request.ReadUser(body.WrittenSpan);
            }

            // Metering: local concurrency limit, then one Redis round trip (RPM/TPM, caps, balance).
            using var metered = await meter.AdmitAsync(context, key, route.Id, body.WrittenSpan, new CostBound(request.MaxTokens, routes, request.Choices), endUser);
            if (metered.IsRejected)
            {
                return;
            }

            if (cache is not null)
            {
                if (await caching.TryServeAsync(context, cache, route.Id) is { } hit)
                {
                    // Answered from the cache: admitted (so rate limited), nothing generated, so a usage event at no cost.
                    meter.SettleCacheHit(context, metered, route.Id, requestId, started, hit);
                    logged?.AnsweredFromCache();
                    metrics.RequestCompleted(new RequestOutcome(clientApi, route.Id, ResponseCaching.Provider, StatusCodes.Status200OK, started, Stopwatch.GetTimestamp(), 0, 0, 0, 0));
                    return;
                }

                capture = caching.BeginCapture(context);
                if (logged is not null)
                {
                    logged.Cache = "miss";
                }
            }

            if (native is { Background: true } && await meter.BackgroundLimitReachedAsync(key) is { } limit)
            {
                // Billed only once finished: an account's responses in progress are what it can owe beyond its balance.
                meter.Release(metered);
                metrics.Rejected("too_many_background_responses");
                await OpenAIErrorResponse.WriteAsync(
                    context,
                    StatusCodes.Status429TooManyRequests,
                    $"This account already has {limit} background responses in progress, the most it may have at once. Wait for one to finish, or cancel one, and try again.",
                    code: "too_many_background_responses");
                return;
            }

            var plan = AttemptPlanner.Plan(routes, request.Provider, out var planFailure);
            if (plan.Count == 0)
            {
                meter.Release(metered);
                if (planFailure == PlanFailure.NoMatchingProvider)
                {
                    metrics.Rejected("no_matching_provider");
                    await OpenAIErrorResponse.WriteAsync(
                        context,
                        StatusCodes.Status400BadRequest,
                        $"No provider of '{route.Id}' matches the request's provider preferences.",
                        param: "provider",
                        code: "no_matching_provider");
                }
                else
                {
                    metrics.Rejected("deployments_unavailable");
                    await ForwardingErrors.WriteUnavailableAsync(context, route.Id, AttemptPlanner.RetryAfter(routes, request.Provider));
                }

                return;
            }

            _budget.Deposit();
            using var totalTimeout = route.TotalTimeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(drain.Token);
            totalTimeout?.CancelAfter(route.TotalTimeout!.Value);
            var attempts = new ChatAttempts(
                context,
                forwarder,
                plan,
                body,
                request,
                requestId,
                metrics,
                logger,
                _resilience,
                _budget,
                drain,
                metered.Output,
                totalTimeout?.Token ?? drain.Token)
            {
                Native = native,
                Dialect = dialect,
                KeepAliveInterval = _keepAlive,
                Api = api,
            };
            await attempts.RunAsync();
            if (dialect is not null)
            {
                // The answer's last bytes (or its whole translated body) before settlement reads the final status.
                await dialect.FinishAsync();
            }

            if (attempts.Exchange is not { } exchange)
            {
                // Refused before any attempt (no deployment can honour the request); the rejection is already counted.
                meter.Release(metered);
                return;
            }

            if (capture is not null)
            {
                // A whole answer: a success relayed to its end (a stream's usage, which comes last, seen).
                var whole = !exchange.EndedWithError && (!request.Stream || exchange.Usage.IsKnown);
                await caching.FinishAsync(
                    context, capture, cache!, whole, attempts.Deployment.Provider.Name, attempts.Deployment.PublicModel, (exchange.Usage.PromptTokens, exchange.Usage.CompletionTokens));
                capture = null;
            }

            if (context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                // The client gets its last byte (a stream's terminating chunk) now, not after the bookkeeping below.
                await context.Response.CompleteAsync();
            }

            if (native is { Background: true } && dialect is ResponsesClientBody { StoredResponseId: { } responseId }
                && !exchange.Usage.IsKnown && context.Response.StatusCode < 400)
            {
                // Answered queued (or a stream the client left): the provider goes on generating, and bills when done.
                await meter.SettleInBackgroundAsync(metered, responseId, attempts.Deployment, requestId);
            }
            else
            {
                // Metering: queue the charge and usage event at the price of the model that answered; settled in the
                // background, never delaying the response.
                meter.Settle(context, metered, exchange, attempts.Deployment.PublicModel, attempts.Deployment, requestId, started, body.WrittenSpan);
            }

            GatewayTracing.DescribeOutcome(attempts.Deployment, exchange);
            logged?.Answered(attempts.Deployment, attempts.Count, exchange.Usage, exchange.FirstOutputTimestamp);
            var usage = exchange.Usage;
            metrics.RequestCompleted(new RequestOutcome(
                clientApi,
                attempts.Deployment.PublicModel,
                attempts.Deployment.Provider.Name,
                context.Response.StatusCode,
                started,
                Stopwatch.GetTimestamp(),
                attempts.UpstreamTicks,
                api is ClientApi.Embeddings or ClientApi.Moderations ? 0 : exchange.FirstOutputTimestamp, // no first token in those answers: no TTFT sample
                usage.PromptTokens,
                usage.CompletionTokens));
        }
        finally
        {
            if (capture is not null)
            {
                // Refused or failed before an answer: nothing to keep, the response's own body put back.
                await caching.FinishAsync(context, capture, cache!, whole: false, "", "");
            }

            meter.Ended();
            spinner.Poke(meter.InFlight);
        }
    }
}
