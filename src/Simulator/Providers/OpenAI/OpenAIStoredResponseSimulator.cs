using System.Buffers;
using System.Globalization;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers one of the Responses API's calls on a stored response (retrieve, delete, cancel, list input items) from the
/// store <see cref="OpenAIResponsesSimulator"/> fills, with OpenAI's bodies; an id the store does not hold is OpenAI's 404.
/// A background response is retrieved as it is now, or with <c>?stream=true</c> (when it was created streaming) as its
/// events after <c>starting_after</c>; cancelling or deleting it stops its generation. Runs through
/// <see cref="SimulatedExchange"/> like every simulated call: recorded, status and slow-headers faults applied.
/// </summary>
internal sealed class OpenAIStoredResponseSimulator(OpenAIResponseStore store, OpenAIStoredResponseCall call) : IProviderSimulator
{
    /// <summary>None of these calls fails mid-stream.</summary>
    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    /// <summary>No context window to exceed here: a plain 400.</summary>
    public Task WriteContextLengthErrorAsync(HttpContext context) => WriteErrorAsync(context, StatusCodes.Status400BadRequest);

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
            OpenAIStoredResponseCall.Retrieve when context.Request.Query["stream"] == "true" => StreamAsync(context, stored.Background),
            OpenAIStoredResponseCall.Retrieve => JsonResponse.WriteAsync(context, StatusCodes.Status200OK, stored.Response),
            OpenAIStoredResponseCall.Delete => DeleteAsync(context, stored),
            OpenAIStoredResponseCall.Cancel => CancelAsync(context, stored.Background),
            _ => JsonResponse.WriteAsync(
                context,
                StatusCodes.Status200OK,
                OpenAIInputItems.WriteList(stored.InputItems, ascending: context.Request.Query["order"] == "asc")),
        };
    }

    /// <summary>The events of a background response created streaming, after <c>starting_after</c> (all without it).</summary>
    private static Task StreamAsync(HttpContext context, OpenAIBackgroundResponse? background)
    {
        if (background is null)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.NotStreamableWithoutBackground);
        }

        if (!background.Streamed)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.NotStreamableWithoutStream);
        }

        var startingAfter = -1L;
        var cursor = context.Request.Query["starting_after"];
        if (cursor.Count > 0 && !long.TryParse(cursor.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out startingAfter))
        {
            return JsonResponse.WriteAsync(
                context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidType("starting_after", "an integer", "a string"));
        }

        return background.StreamAsync(context, startingAfter, resettable: false);
    }

    /// <summary>
    /// Stops a background response that is queued or in progress: it ends cancelled and is answered so. Cancelling again is
    /// answered the same; one that finished or failed first cannot be cancelled.
    /// </summary>
    private static async Task CancelAsync(HttpContext context, OpenAIBackgroundResponse? background)
    {
        if (background is null)
        {
            await JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.OnlyBackgroundResponsesCancellable);
            return;
        }

        var (status, response) = await background.CancelAsync(context.RequestAborted);
        await (status == OpenAIResponseStatus.Cancelled
            ? JsonResponse.WriteAsync(context, StatusCodes.Status200OK, response)
            : JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.CannotCancel(status)));
    }

    /// <summary>Deleted from the store already; a background response still generating is stopped, its readers given its end.</summary>
    private static async Task DeleteAsync(HttpContext context, OpenAIStoredResponse stored)
    {
        if (stored.Background is { } background)
        {
            await background.CancelAsync(context.RequestAborted);
        }

        var body = new ArrayBufferWriter<byte>(128);
        body.Write("{\"id\":"u8);
        OpenAIWire.WriteString(body, stored.Id);
        body.Write(",\"object\":\"response\",\"deleted\":true}"u8);
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }
}
