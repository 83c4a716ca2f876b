using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Telemetry;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.Providers;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>, which Claude Code calls every turn (and its editor extensions dozens of times at
/// start) to manage its context window. A model whose first available deployment is Anthropic's gets Anthropic's own count
/// (the body, model replaced, to its <c>count_tokens</c>); any other, or Anthropic failing, gets the gateway's estimate
/// (<see cref="InputTokenEstimator"/>). Never a made-up zero: a client trusts a count and stops compacting.
/// Counting is free: not metered, not rate limited, no circuit touched.
/// </summary>
internal sealed class CountTokensHandler(
    ApiKeyAuthenticator authenticator,
    ModelCatalog catalog,
    GatewayMetrics metrics,
    InputTokenEstimator estimator,
    IHttpForwarder forwarder,
    IOptions<GatewayOptions> options,
    ILogger<CountTokensHandler> logger)
{
    private readonly long _maxBodyBytes = options.Value.MaxRequestBodyBytes;

    public async Task HandleAsync(HttpContext context)
    {
        if (await AnthropicRouteRequest.ReadAsync(context, authenticator, catalog, metrics, _maxBodyBytes) is not { } read)
        {
            return;
        }

        using var body = read.Body;
        var route = read.Route;

        // The deployment a message would go to first, its circuit and the request's provider preferences considered: a
        // provider whose circuit is open is not asked (a count is asked every turn; each would wait for it to fail).
        var plan = AttemptPlanner.Plan([route], read.Preferences, out _);
        if (plan.Count > 0 && plan[0] is { Provider.Kind: ProviderKinds.Anthropic } deployment)
        {
            using var upstreamBody = new PooledBufferWriter(body.WrittenCount + deployment.UpstreamModel.Length + 16);
            if (ModelFieldRewriter.TryRewrite(body.WrittenSpan, deployment.UpstreamModel, upstreamBody)
                && await ProviderTokenCount.TryRelayAsync(
                    context, forwarder, logger, deployment, upstreamBody, deployment.Provider.BaseUrl + "/messages/count_tokens", keepClientAnthropicVersion: true))
            {
                metrics.TokenCount(route.Id, estimated: false);
                return;
            }
        }

        metrics.TokenCount(route.Id, estimated: true);

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($"{{\"input_tokens\":{estimator.Estimate(body.WrittenSpan)}}}", context.RequestAborted);
    }
}
