using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers one call of OpenAI's Conversations API (create, retrieve, update, delete a conversation; list, add, retrieve,
/// delete its items) from the store <see cref="OpenAIResponsesSimulator"/> also appends to, with OpenAI's bodies; a
/// conversation or item the store does not hold is OpenAI's 404. Runs through <see cref="SimulatedExchange"/> like every
/// simulated call: recorded, status and slow-headers faults applied.
/// </summary>
internal sealed class OpenAIConversationSimulator(OpenAIConversationStore store, OpenAIConversationCall call) : IProviderSimulator
{
    /// <summary>None of these calls streams.</summary>
    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    /// <summary>No context window to exceed here: a plain 400.</summary>
    public Task WriteContextLengthErrorAsync(HttpContext context) => WriteErrorAsync(context, StatusCodes.Status400BadRequest);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        OpenAIConversationRequest? request = null;
        if (call is OpenAIConversationCall.Create or OpenAIConversationCall.Update or OpenAIConversationCall.AddItems)
        {
            request = OpenAIConversationRequest.Read(body, call);
            if (!request.Error.IsEmpty)
            {
                return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, request.Error);
            }
        }

        if (call == OpenAIConversationCall.Create)
        {
            var created = new OpenAIConversation(request!.Metadata, request.Items ?? []);
            store.Add(created);
            return Ok(context, created.WriteObject());
        }

        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        var conversation = call == OpenAIConversationCall.Delete ? store.Remove(id) : store.Find(id);
        if (conversation is null)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status404NotFound, OpenAIErrors.ConversationNotFound(id, param: null));
        }

        switch (call)
        {
            case OpenAIConversationCall.Retrieve:
                return Ok(context, conversation.WriteObject());
            case OpenAIConversationCall.Update:
                conversation.SetMetadata(request!.Metadata!.Value);
                return Ok(context, conversation.WriteObject());
            case OpenAIConversationCall.Delete:
                return Ok(context, Deleted(conversation.Id));
            case OpenAIConversationCall.ListItems:
                return Ok(context, OpenAIInputItems.WriteList(conversation.Items(), ascending: context.Request.Query["order"] == "asc"));
            case OpenAIConversationCall.AddItems:
                conversation.Append(request!.Items!);
                return Ok(context, OpenAIInputItems.WriteList(request.Items!, ascending: true));
        }

        var itemId = context.Request.RouteValues["item_id"] as string ?? string.Empty;
        if (call == OpenAIConversationCall.RetrieveItem)
        {
            return conversation.FindItem(itemId) is { } item ? Ok(context, item.Json) : ItemNotFound(context, itemId);
        }

        // Deleting an item answers with the conversation it was deleted from.
        return conversation.RemoveItem(itemId) ? Ok(context, conversation.WriteObject()) : ItemNotFound(context, itemId);
    }

    private static Task Ok(HttpContext context, ReadOnlyMemory<byte> body) => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body);

    private static Task ItemNotFound(HttpContext context, string itemId) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status404NotFound, OpenAIErrors.ItemNotFound(itemId));

    private static ReadOnlyMemory<byte> Deleted(string id)
    {
        var body = new ArrayBufferWriter<byte>(128);
        body.Write("{\"id\":"u8);
        OpenAIWire.WriteString(body, id);
        body.Write(",\"object\":\"conversation.deleted\",\"deleted\":true}"u8);
        return body.WrittenMemory;
    }
}
