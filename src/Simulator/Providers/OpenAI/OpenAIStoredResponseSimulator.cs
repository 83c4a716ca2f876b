using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers one of the Responses API's calls on a stored response (retrieve, delete, cancel, list input items) from the
/// store <see cref="OpenAIResponsesSimulator"/> fills, with OpenAI's bodies; an id the store does not hold is OpenAI's 404.
/// Runs through <see cref="SimulatedExchange"/> like every simulated call: recorded, status and slow-headers faults applied.
/// </summary>
internal sealed class OpenAIStoredResponseSimulator(OpenAIResponseStore store, OpenAIStoredResponseCall call) : IProviderSimulator
{
    /// <summary>None of these calls streams.</summary>
    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        var id = context.Request.RouteValues["id"] as string ?? string.Empty;
        var stored = call == OpenAIStoredResponseCall.Delete ? store.Remove(id) : store.Find(id);
        if (stored is null)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status404NotFound, OpenAIErrors.ResponseNotFound(id));
        }

        return call switch
        {
            OpenAIStoredResponseCall.Retrieve => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, stored.Response),
            OpenAIStoredResponseCall.Delete => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, Deleted(stored.Id)),

            // Only a background response can be cancelled, and the simulator makes none: every stored one is finished.
            OpenAIStoredResponseCall.Cancel => JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.OnlyBackgroundResponsesCancellable),
            _ => JsonResponse.WriteAsync(
                context,
                StatusCodes.Status200OK,
                OpenAIInputItems.WriteList(stored.InputItems, ascending: context.Request.Query["order"] == "asc")),
        };
    }

    private static ReadOnlyMemory<byte> Deleted(string id)
    {
        var body = new ArrayBufferWriter<byte>(128);
        body.Write("{\"id\":"u8);
        OpenAIWire.WriteString(body, id);
        body.Write(",\"object\":\"response\",\"deleted\":true}"u8);
        return body.WrittenMemory;
    }
}
