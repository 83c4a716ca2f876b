using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// OpenAI's endpoints, including Azure OpenAI's deployment-scoped chat-completions, legacy completions and embeddings paths
/// and its v1 Responses paths (stored responses and conversations included).
/// </summary>
internal static class OpenAIApi
{
    public static IEndpointRouteBuilder MapOpenAI(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, OpenAIChatSimulator simulator, OpenAITextCompletionSimulator textCompletions, OpenAIEmbeddingsSimulator embeddings, OpenAIModerationsSimulator moderations, OpenAIResponsesSimulator responses, OpenAICompactionSimulator compaction, OpenAIInputTokensSimulator inputTokens, OpenAIResponseStore storedResponses, OpenAIConversationStore conversations)
    {
        // Plain RequestDelegates: no parameter binding on the hot path.
        endpoints.MapPost("/v1/chat/completions", context => exchange.RunAsync(context, simulator, routeModel: null));

        endpoints.MapPost(
            "/openai/deployments/{deployment}/chat/completions",
            context => exchange.RunAsync(context, simulator, context.Request.RouteValues["deployment"] as string));

        // The legacy Completions API, on OpenAI and on an Azure deployment as chat is.
        endpoints.MapPost("/v1/completions", context => exchange.RunAsync(context, textCompletions, routeModel: null));

        endpoints.MapPost(
            "/openai/deployments/{deployment}/completions",
            context => exchange.RunAsync(context, textCompletions, context.Request.RouteValues["deployment"] as string));

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

        // Conversations: {id} takes GET, POST (update) and DELETE; .../items GET (list) and POST (add); .../items/{item_id} GET and DELETE.
        var create = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.Create);
        var retrieveConversation = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.Retrieve);
        var update = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.Update);
        var deleteConversation = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.Delete);
        var listItems = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.ListItems);
        var addItems = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.AddItems);
        var retrieveItem = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.RetrieveItem);
        var deleteItem = new OpenAIConversationSimulator(conversations, OpenAIConversationCall.DeleteItem);
        foreach (var prefix in (string[])["/v1/conversations", "/openai/v1/conversations"])
        {
            endpoints.MapPost(prefix, context => exchange.RunAsync(context, create, routeModel: null));
            endpoints.MapGet(prefix + "/{id}", context => exchange.RunAsync(context, retrieveConversation, routeModel: null));
            endpoints.MapPost(prefix + "/{id}", context => exchange.RunAsync(context, update, routeModel: null));
            endpoints.MapDelete(prefix + "/{id}", context => exchange.RunAsync(context, deleteConversation, routeModel: null));
            endpoints.MapGet(prefix + "/{id}/items", context => exchange.RunAsync(context, listItems, routeModel: null));
            endpoints.MapPost(prefix + "/{id}/items", context => exchange.RunAsync(context, addItems, routeModel: null));
            endpoints.MapGet(prefix + "/{id}/items/{item_id}", context => exchange.RunAsync(context, retrieveItem, routeModel: null));
            endpoints.MapDelete(prefix + "/{id}/items/{item_id}", context => exchange.RunAsync(context, deleteItem, routeModel: null));
        }

        endpoints.MapPost("/v1/embeddings", context => exchange.RunAsync(context, embeddings, routeModel: null));

        endpoints.MapPost(
            "/openai/deployments/{deployment}/embeddings",
            context => exchange.RunAsync(context, embeddings, context.Request.RouteValues["deployment"] as string));

        endpoints.MapPost("/v1/moderations", context => exchange.RunAsync(context, moderations, routeModel: null));

        endpoints.MapGet("/v1/models", context => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, OpenAIWire.ModelList));
        return endpoints;
    }
}
