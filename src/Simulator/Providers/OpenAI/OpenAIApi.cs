using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// OpenAI's endpoints, including Azure OpenAI's deployment-scoped chat-completions and embeddings paths and its v1 Responses
/// paths (stored responses included).
/// </summary>
internal static class OpenAIApi
{
    public static IEndpointRouteBuilder MapOpenAI(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, OpenAIChatSimulator simulator, OpenAIEmbeddingsSimulator embeddings, OpenAIResponsesSimulator responses, OpenAICompactionSimulator compaction, OpenAIInputTokensSimulator inputTokens, OpenAIResponseStore storedResponses)
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

        // Stored responses. None competes with compact or input_tokens for a request: those literals take only POST, {id}
        // only GET and DELETE, and the POST of cancel is a segment longer (a GET of .../compact asks for the id "compact").
        var retrieve = new OpenAIStoredResponseSimulator(storedResponses, OpenAIStoredResponseCall.Retrieve);
        var delete = new OpenAIStoredResponseSimulator(storedResponses, OpenAIStoredResponseCall.Delete);
        var cancel = new OpenAIStoredResponseSimulator(storedResponses, OpenAIStoredResponseCall.Cancel);
        var inputItems = new OpenAIStoredResponseSimulator(storedResponses, OpenAIStoredResponseCall.ListInputItems);
        foreach (var prefix in (string[])["/v1/responses", "/openai/v1/responses"])
        {
            endpoints.MapGet(prefix + "/{id}", context => exchange.RunAsync(context, retrieve, routeModel: null));
            endpoints.MapDelete(prefix + "/{id}", context => exchange.RunAsync(context, delete, routeModel: null));
            endpoints.MapPost(prefix + "/{id}/cancel", context => exchange.RunAsync(context, cancel, routeModel: null));
            endpoints.MapGet(prefix + "/{id}/input_items", context => exchange.RunAsync(context, inputItems, routeModel: null));
        }

        endpoints.MapPost("/v1/embeddings", context => exchange.RunAsync(context, embeddings, routeModel: null));

        endpoints.MapPost(
            "/openai/deployments/{deployment}/embeddings",
            context => exchange.RunAsync(context, embeddings, context.Request.RouteValues["deployment"] as string));

        endpoints.MapGet("/v1/models", context => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, OpenAIWire.ModelList));
        return endpoints;
    }
}
