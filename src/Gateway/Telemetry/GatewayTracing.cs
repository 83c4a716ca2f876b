using System.Diagnostics;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Transforms.Providers;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// The gateway's spans, in OpenTelemetry's GenAI semantic conventions: each attempt of a model request is a client span
/// (<c>chat gpt-4o</c>: <c>gen_ai.operation.name</c>, <c>gen_ai.provider.name</c>, <c>gen_ai.request.model</c>,
/// <c>gen_ai.usage.*</c>, <c>error.type</c>), a child of ASP.NET Core's server span, which gets the request's own facts
/// (request id, key, account, public model). The upstream request carries the attempt's <c>traceparent</c>. With no
/// listener (tracing off) nothing is created: a check of <see cref="ActivitySource.HasListeners"/> per attempt.
/// </summary>
internal static class GatewayTracing
{
    /// <summary>The <see cref="ActivitySource"/> name to listen to.</summary>
    public const string SourceName = "MassRouter.Gateway";

    public static readonly ActivitySource Source = new(SourceName, typeof(GatewayTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Tags the request's server span (when one is being recorded) with who asked for which model.</summary>
    public static void DescribeRequest(ApiKeyInfo key, string model, string requestId, ClientApi api)
    {
        if (Activity.Current is not { IsAllDataRequested: true } request)
        {
            return;
        }

        request.SetTag("massrouter.request_id", requestId);
        request.SetTag("massrouter.model", model);
        request.SetTag("massrouter.api", GatewayMetrics.ApiLabels[(int)api]);
        request.SetTag("massrouter.key_id", key.KeyId);
        if (key.Account is { } account)
        {
            request.SetTag("massrouter.account", account);
        }
    }

    /// <summary>Tags the request's server span with the deployment that answered and the usage billed.</summary>
    public static void DescribeOutcome(Deployment deployment, ChatExchange exchange)
    {
        if (Activity.Current is not { IsAllDataRequested: true } request)
        {
            return;
        }

        request.SetTag("massrouter.provider", deployment.Provider.Name);
        AddUsage(request, exchange);
    }

    /// <summary>Starts the span of one attempt on <paramref name="deployment"/>; null when nothing listens.</summary>
    public static Activity? StartAttempt(ClientApi api, Deployment deployment, int attempt, bool stream)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var operation = OperationName(api);
        var span = Source.StartActivity(operation + " " + deployment.UpstreamModel, ActivityKind.Client);
        if (span is not { IsAllDataRequested: true })
        {
            return span;
        }

        span.SetTag("gen_ai.operation.name", operation);
        span.SetTag("gen_ai.provider.name", ProviderName(deployment.Provider.Kind, deployment.Provider.IsAzure));
        span.SetTag("gen_ai.request.model", deployment.UpstreamModel);
        span.SetTag("massrouter.model", deployment.PublicModel);
        span.SetTag("massrouter.provider", deployment.Provider.Name);
        span.SetTag("massrouter.attempt", attempt);
        span.SetTag("massrouter.stream", stream);
        if (Uri.TryCreate(deployment.Provider.BaseUrl, UriKind.Absolute, out var url))
        {
            span.SetTag("server.address", url.Host);
            span.SetTag("server.port", url.Port);
        }

        return span;
    }

    /// <summary>Ends an attempt's span with what came of it.</summary>
    public static void EndAttempt(Activity span, ChatExchange exchange, bool circuitOpen, ForwarderError forwardError)
    {
        if (span.IsAllDataRequested)
        {
            if (exchange.UpstreamStatus != 0)
            {
                span.SetTag("http.response.status_code", exchange.UpstreamStatus);
            }

            if (exchange.FirstOutputTimestamp != 0)
            {
                var first = DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(exchange.FirstOutputTimestamp);
                span.SetTag("massrouter.time_to_first_token", (first - span.StartTimeUtc).TotalSeconds);
                span.AddEvent(new ActivityEvent("gen_ai.first_token", first));
            }

            AddUsage(span, exchange);
        }

        var error = circuitOpen ? "circuit_open"
            : forwardError != ForwarderError.None ? ForwardErrorType(forwardError)
            : exchange.UpstreamStatus >= 400 ? exchange.UpstreamStatus.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : exchange.EndedWithError ? "stream_error"
            : null;
        if (error is not null)
        {
            span.SetTag("error.type", error);
            span.SetStatus(ActivityStatusCode.Error);
        }

        span.Dispose();
    }

    private static void AddUsage(Activity span, ChatExchange exchange)
    {
        var usage = exchange.Usage;
        if (!usage.IsKnown)
        {
            return;
        }

        span.SetTag("gen_ai.usage.input_tokens", usage.PromptTokens);
        span.SetTag("gen_ai.usage.output_tokens", usage.CompletionTokens);
        if (usage.CachedPromptTokens > 0)
        {
            span.SetTag("gen_ai.usage.cache_read.input_tokens", usage.CachedPromptTokens);
        }
    }

    private static string ForwardErrorType(ForwarderError error) => error switch
    {
        ForwarderError.RequestTimedOut => "timeout",
        ForwarderError.Request => "connect_failure",
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.ResponseBodyCanceled => "client_cancelled",
        _ => error.ToString(),
    };

    /// <summary><c>gen_ai.operation.name</c> of a request that came in on <paramref name="api"/>.</summary>
    internal static string OperationName(ClientApi api) => api switch
    {
        ClientApi.Embeddings => "embeddings",
        ClientApi.Completions => "text_completion",
        ClientApi.Moderations => "moderation",
        _ => "chat",
    };

    /// <summary><c>gen_ai.provider.name</c> of a provider kind (the conventions' well-known values).</summary>
    internal static string ProviderName(string kind, bool azure) => kind switch
    {
        ProviderKinds.OpenAI => azure ? "azure.ai.openai" : "openai",
        ProviderKinds.Anthropic => "anthropic",
        ProviderKinds.Gemini => "gcp.gemini",
        ProviderKinds.Cohere => "cohere",
        ProviderKinds.Bedrock => "aws.bedrock",
        _ => kind,
    };
}
