using System.Buffers;
using System.Globalization;
using System.Text;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>
/// Answers <c>POST /v1/messages/count_tokens</c> as Anthropic does, <c>{"input_tokens":N}</c>, with the count the
/// simulated Messages endpoint reports for the same prompt (about four bytes a token).
/// </summary>
internal sealed class AnthropicCountTokensSimulator : IProviderSimulator
{
    public ReadOnlyMemory<byte> MidstreamErrorEvent => AnthropicErrors.MidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode)
    {
        var (type, message) = AnthropicErrors.ForStatus(statusCode);
        return AnthropicMessagesSimulator.WriteErrorAsync(context, statusCode, type, message);
    }

    public Task WriteContextLengthErrorAsync(HttpContext context) =>
        AnthropicMessagesSimulator.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", AnthropicErrors.PromptTooLong);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (AnthropicMessagesRequest.TryParse(body) is not { } request)
        {
            return AnthropicMessagesSimulator.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "The request body is not valid JSON.");
        }

        if (string.IsNullOrEmpty(request.Model))
        {
            return AnthropicMessagesSimulator.WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "model: Field required");
        }

        var tokens = Math.Clamp(body.Length / 4, 1, int.MaxValue);
        return JsonResponse.WriteAsync(context, StatusCodes.Status200OK, Encoding.UTF8.GetBytes($"{{\"input_tokens\":{tokens.ToString(CultureInfo.InvariantCulture)}}}"));
    }
}
