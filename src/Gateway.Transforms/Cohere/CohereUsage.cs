using MassRouter.Gateway.Transforms.Translation;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.Cohere;

/// <summary>
/// Cohere usage → OpenAI usage. Cohere bills <c>billed_units</c>, which leave out the tokens of its own prompt
/// template; <c>tokens</c> counts everything the model saw. The billed figures are what the client pays for, so they
/// become prompt and completion tokens (raw figures only when billed ones are absent). Cohere's <c>cached_tokens</c>
/// counts cache hits among the raw tokens, template included (448 cached for 12 billed in one recording), and the
/// billed input evidently includes cache hits (2406 billed while 2928 of 2935 raw tokens were cached), so no part of
/// the billed prompt is reported as cached: that would discount what the provider charges.
/// </summary>
internal static class CohereUsage
{
    public static TokenUsage Read(ReadOnlySpan<byte> usage)
    {
        JsonProbe.TryGet(usage, "tokens"u8, out var tokens);
        JsonProbe.TryGet(usage, "billed_units"u8, out var billed);
        var input = JsonProbe.Number(billed, "input_tokens"u8, JsonProbe.Number(tokens, "input_tokens"u8, 0));
        var output = JsonProbe.Number(billed, "output_tokens"u8, JsonProbe.Number(tokens, "output_tokens"u8, 0));
        return new TokenUsage(input, output, 0, 0) { IsKnown = true };
    }
}
