using System.Net;
using System.Text.Json.Nodes;
using MassRouter.Core.Money;
using MassRouter.Core.Usage;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>Legacy completions (<c>/v1/completions</c>) are metered as chat completions are: the provider's usage, streamed or not.</summary>
[Collection(MeteringCollection.Name)]
public class CompletionsMeteringTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;
    private static readonly ModelPrice Price = new(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion);

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ACompletion_StreamedOrNot_IsBilledTheProvidersUsage(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar);
        var usages = new List<(long Prompt, long Completion)>();
        foreach (var (stream, tokens) in new[] { (false, 7), (true, 9) })
        {
            using var request = b.Chat(0, key.Secret, $$"""{"model":"{{MeteringBackend.Model}}","prompt":"Complete this sentence","stream":{{(stream ? "true" : "false")}},"stream_options":{{(stream ? """{"include_usage":true}""" : "null")}}}""", ("x-sim-tokens", tokens.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            request.RequestUri = new Uri(b.Addresses[0], "v1/completions");
            using var response = await b.Http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var usage = stream
                ? JsonNode.Parse(text.Split('\n').Last(l => l.StartsWith("data: {", StringComparison.Ordinal))["data: ".Length..])!["usage"]!
                : JsonNode.Parse(text)!["usage"]!;
            usages.Add(((long)usage["prompt_tokens"]!, (long)usage["completion_tokens"]!));
        }

        var events = (await b.WaitForEventsAsync(key.Account, 2)).OrderBy(e => e.CompletionTokens).ToList();
        Assert.Equal([7L, 9L], events.Select(e => e.CompletionTokens));
        Assert.Equal(usages.Select(u => u.Prompt), events.Select(e => e.PromptTokens));
        Assert.All(events, e => Assert.False(e.Estimated));
        Assert.All(events, e => Assert.Equal(UsageStatus.Ok, e.Status));
        Assert.All(events, e => Assert.Equal(Price.Cost(e.PromptTokens, e.CompletionTokens), e.CostNanos));
        Assert.Equal(Dollar - events.Sum(e => e.CostNanos), await b.BalanceAsync(key.Account));
    }
}
