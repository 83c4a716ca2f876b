using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.Gemini;

/// <summary>The Gemini API's <c>models/{model}:generateContent</c> and <c>:streamGenerateContent</c> methods (v1beta and v1).</summary>
internal static class GeminiApi
{
    private const string Generate = ":generateContent";
    private const string StreamGenerate = ":streamGenerateContent";

    public static IEndpointRouteBuilder MapGemini(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, GeminiSimulator simulator)
    {
        // "{model}:{method}" is one path segment; it is split here rather than by a complex route template.
        RequestDelegate handler = context =>
        {
            var target = context.Request.RouteValues["target"] as string ?? string.Empty;
            var model = target.EndsWith(Generate, StringComparison.Ordinal) ? target[..^Generate.Length]
                : target.EndsWith(StreamGenerate, StringComparison.Ordinal) ? target[..^StreamGenerate.Length]
                : null;
            return model is { Length: > 0 }
                ? exchange.RunAsync(context, simulator, model)
                : GeminiSimulator.WriteErrorAsync(
                    context, StatusCodes.Status404NotFound, "NOT_FOUND", $"Method '{target}' is not found: use models/{{model}}:generateContent or :streamGenerateContent.");
        };

        endpoints.MapPost("/v1beta/models/{target}", handler);
        endpoints.MapPost("/v1/models/{target}", handler);
        return endpoints;
    }

    public static bool IsStreaming(HttpContext context) =>
        context.Request.RouteValues["target"] is string target && target.EndsWith(StreamGenerate, StringComparison.Ordinal);
}
