using System.Buffers;
using MassRouter.Simulator.Control;

namespace MassRouter.Simulator.Exchange;

/// <summary>One provider's wire format: its generated answers, its error bodies and its mid-stream error event.</summary>
internal interface IProviderSimulator
{
    /// <summary>
    /// The complete event, in the framing of the provider's stream, that it sends when it fails in the middle of a stream:
    /// an SSE event for most, an AWS event-stream exception message for Bedrock. Written as is after the chunks already sent.
    /// </summary>
    ReadOnlyMemory<byte> MidstreamErrorEvent { get; }

    /// <summary>Writes an error response with the provider's body for <paramref name="statusCode"/>.</summary>
    Task WriteErrorAsync(HttpContext context, int statusCode);

    /// <summary>
    /// Writes the error the provider answers a prompt longer than the model's context window with (the <c>context-length</c>
    /// fault), before anything is generated: its own status, body and headers, a 400 for all of them.
    /// </summary>
    Task WriteContextLengthErrorAsync(HttpContext context);

    /// <summary>Answers the request with generated text; <paramref name="routeModel"/> overrides the body's model (Azure deployments).</summary>
    Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel);
}
