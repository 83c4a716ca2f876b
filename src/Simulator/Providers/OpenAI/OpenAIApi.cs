using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// OpenAI's endpoints, including Azure OpenAI's deployment-scoped chat-completions and embeddings paths and its v1 Responses path.
/// </summary>
internal static class OpenAIApi
{
    public static IEndpointRouteBuilder MapOpenAI(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, OpenAIChatSimulator simulator, OpenAIEmbeddingsSimulator embeddings, OpenAIResponsesSimulator responses, OpenAICompactionSimulator compaction, OpenAIInputTokensSimulator inputTokens)
    {
        // Plain RequestDelegates: no parameter binding on the hot path.
        endpoints.MapPost("/v1/chat/completions", context => exchange.RunAsync(context, simulator, routeModel: null));

        endpoints.MapPost(
            "/openai/deployments/{deployment}/chat/completions",
            context => exchange.RunAsync(context, simulator, context.Request.RouteValues["deployment"] as string));

        // Azure's v1 API takes the model from the body, as OpenAI does: no deployment in the path.
        endpoints.MapPost("/v1/responses", context => exchange.RunAsync(context, responses, routeModel: null));
        endpoints.MapPost("/openai/v1/responses", context => exchange.RunAsync(context, responses, routeModel: null));
        endpoints.MapPost("/v1/responses/compact", context => exchange.RunAsync(context, compaction, routeModel: null));
        endpoints.MapPost("/openai/v1/responses/compact", context => exchange.RunAsync(context, compaction, routeModel: null));
        endpoints.MapPost("/v1/responses/input_tokens", context => exchange.RunAsync(context, inputTokens, routeModel: null));
        endpoints.MapPost("/openai/v1/responses/input_tokens", context => exchange.RunAsync(context, inputTokens, routeModel: null));

        endpoints.MapPost("/v1/embeddings", context => exchange.RunAsync(context, embeddings, routeModel: null));

        endpoints.MapPost(
            "/openai/deployments/{deployment}/embeddings",
            context => exchange.RunAsync(context, embeddings, context.Request.RouteValues["deployment"] as string));

        endpoints.MapGet("/v1/models", context => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, OpenAIWire.ModelList));
        return endpoints;
    }
}
