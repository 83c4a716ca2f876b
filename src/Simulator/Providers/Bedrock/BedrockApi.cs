using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.Bedrock;

/// <summary>Amazon Bedrock Runtime's Converse and ConverseStream operations, at the root as on bedrock-runtime.{region}.amazonaws.com.</summary>
internal static class BedrockApi
{
    private const string StreamSuffix = "/converse-stream";

    public static IEndpointRouteBuilder MapBedrock(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, BedrockConverseSimulator simulator)
    {
        // Any Authorization (a bearer API key or a SigV4 signature) is accepted; the journal keeps it for the test to check.
        RequestDelegate handler = context =>
        {
            var response = context.Response;
            response.Headers[BedrockWire.RequestIdHeader] = BedrockWire.NewRequestId();
            if (context.Request.Headers.ContainsKey(SimulatorHeaders.Fixture))
            {
                // A replayed error body (bedrock-converse-error-400-validation) names its exception only in a header.
                response.OnStarting(static state => BedrockErrors.TagUntypedError((HttpResponse)state), response);
            }

            // The model id arrives URL-encoded (us.amazon.nova-micro-v1%3A0); routing has decoded it.
            return exchange.RunAsync(context, simulator, context.Request.RouteValues["modelId"] as string);
        };

        endpoints.MapPost("/model/{modelId}/converse", handler);
        endpoints.MapPost("/model/{modelId}" + StreamSuffix, handler);
        return endpoints;
    }

    public static bool IsStreaming(HttpContext context) =>
        context.Request.Path.Value?.EndsWith(StreamSuffix, StringComparison.Ordinal) == true;
}
