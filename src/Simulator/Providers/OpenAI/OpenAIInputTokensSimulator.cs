using System.Buffers;
using System.Globalization;
using System.Text;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers <c>POST /v1/responses/input_tokens</c> as OpenAI documents it, <c>{"object":"response.input_tokens","input_tokens":N}</c>,
/// with the count the simulated Responses endpoint reports for the same request (about four bytes a token).
/// </summary>
internal sealed class OpenAIInputTokensSimulator : IProviderSimulator
{
    /// <summary>A count does not stream; a mid-stream fault turns into a 500 before the body.</summary>
    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.ContextWindowExceeded);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (RequestFields.ReadObject(body, root => RequestFields.String(root, "model") ?? "") is not { } model)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
        }

        if (model.Length == 0)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MissingModel);
        }

        var tokens = Math.Clamp(body.Length / 4, 1, int.MaxValue);
        return JsonResponse.WriteAsync(
            context, StatusCodes.Status200OK, Encoding.UTF8.GetBytes($"{{\"object\":\"response.input_tokens\",\"input_tokens\":{tokens.ToString(CultureInfo.InvariantCulture)}}}"));
    }
}
