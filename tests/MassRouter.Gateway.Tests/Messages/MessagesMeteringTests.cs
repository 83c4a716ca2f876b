using System.Net;
using System.Text;
using System.Text.Json;
using Anthropic.Exceptions;
using MassRouter.Core.Money;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Tests.Metering;
using MassRouter.Tests.Anthropic;

namespace MassRouter.Gateway.Tests.Messages;

/// <summary>
/// <c>/v1/messages</c> is metered like the OpenAI route, against a real redis-server and an embedded Garnet: admission
/// (402, 429 in Anthropic's shape), settlement at the answering model's price for translated and native answers, and
/// aborted streams billed for what was delivered.
/// </summary>
[Collection(MeteringCollection.Name)]
public class MessagesMeteringTests(MeteringFixture fixture)
{
    private const long Dollar = Nanos.PerDollar;
    private static readonly ModelPrice Price = new(MeteringBackend.InputPerMillion, MeteringBackend.OutputPerMillion);
    private static readonly ModelPrice ClaudePrice = new(MeteringBackend.ClaudeInputPerMillion, MeteringBackend.ClaudeOutputPerMillion);

    private static CancellationToken Deadline => new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task TranslatedAndNativeAnswers_AreSettled_AtTheAnsweringModelsPrice(string backend)
    {
        var b = fixture[backend];
        const long initial = 10 * Dollar;
        var key = await b.CreateKeyAsync(initial);
        using (var sdk = new AnthropicSdk(b.Addresses[0], key.Secret, strict: true, ("x-sim-tokens", "7")))
        {
            var message = await sdk.Client.Messages.Create(AnthropicSdk.Hello(model: MeteringBackend.Model));
            Assert.Equal(7, message.Usage.OutputTokens);
        }

        using (var sdk = new AnthropicSdk(b.Addresses[1], key.Secret, strict: true, ("x-sim-tokens", "5")))
        {
            var summary = await sdk.StreamAsync(AnthropicSdk.Hello(model: MeteringBackend.ClaudeModel));
            Assert.Equal(5, summary.OutputTokens);
        }

        var events = await b.WaitForEventsAsync(key.Account, 2);
        Assert.Equal(2, events.Count);
        var translated = Assert.Single(events, e => e.Model == MeteringBackend.Model);
        var native = Assert.Single(events, e => e.Model == MeteringBackend.ClaudeModel);
        Assert.Equal("sim", translated.Provider);
        Assert.Equal("sim-anthropic", native.Provider);
        Assert.Equal(7, translated.CompletionTokens);
        Assert.Equal(5, native.CompletionTokens);
        Assert.All(events, e =>
        {
            Assert.Equal(UsageStatus.Ok, e.Status);
            Assert.False(e.Estimated);
            Assert.Equal(key.KeyId, e.KeyId);
            Assert.True(e.PromptTokens > 0);
        });
        Assert.Equal(Price.Cost(translated.PromptTokens, translated.CompletionTokens), translated.CostNanos);
        Assert.Equal(ClaudePrice.Cost(native.PromptTokens, native.CompletionTokens), native.CostNanos);
        Assert.Equal(initial - translated.CostNanos - native.CostNanos, await b.BalanceAsync(key.Account));
    }

    public static TheoryData<string, string> BackendsAndModels { get; } = new()
    {
        { "redis", MeteringBackend.Model },
        { "redis", MeteringBackend.ClaudeModel },
        { "garnet", MeteringBackend.Model },
        { "garnet", MeteringBackend.ClaudeModel },
    };

    [Theory]
    [MemberData(nameof(BackendsAndModels))]
    public async Task AbortedStream_IsBilledForPromptAndDeliveredOutput_AndMarkedAborted(string backend, string model)
    {
        var b = fixture[backend];
        const long initial = Dollar;
        var key = await b.CreateKeyAsync(initial);
        var response = await b.Http.SendAsync(
            Messages(b.Addresses[0], key.Secret, stream: true, model, ("x-sim-tokens", "200"), ("x-sim-itl-ms", "20")),
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (var sse = new SseClient(await response.Content.ReadAsStreamAsync()))
        {
            // message_start, content_block_start, then at least six deltas (a token each from the simulator).
            for (var i = 0; i < 8; i++)
            {
                Assert.NotNull(await sse.NextDataAsync(Deadline));
            }
        }

        // Leave mid-stream.
        response.Dispose();
        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count == 1, 5000);
        await b.WhenSettledAsync();

        var usage = Assert.Single(await b.OutboxAsync(key.Account));
        Assert.Equal(UsageStatus.Aborted, usage.Status);
        Assert.True(usage.PromptTokens > 0);
        Assert.InRange(usage.CompletionTokens, 6, 199);
        var price = model == MeteringBackend.Model ? Price : ClaudePrice;
        Assert.Equal(price.Cost(usage.PromptTokens, usage.CompletionTokens), usage.CostNanos);
        Assert.Equal(initial - usage.CostNanos, await b.BalanceAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task EmptyBalance_Is402BillingError(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(0);
        using var sdk = new AnthropicSdk(b.Addresses[0], key.Secret, strict: true);

        var error = await Assert.ThrowsAnyAsync<AnthropicApiException>(() => sdk.Client.Messages.Create(AnthropicSdk.Hello(model: MeteringBackend.Model)));

        Assert.Equal(HttpStatusCode.PaymentRequired, error.StatusCode);
        Assert.Contains("billing_error", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("req_", error.RequestID, StringComparison.Ordinal);
        await b.WhenSettledAsync();
        Assert.Empty(await b.OutboxAsync(key.Account));
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task RpmExceeded_Is429RateLimitError_WithRetryAfter(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Dollar, k => k with { Rpm = 1 });
        using (var first = await b.Http.SendAsync(Messages(b.Addresses[0], key.Secret, stream: false)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var second = await b.Http.SendAsync(Messages(b.Addresses[1], key.Secret, stream: true));
        var (type, errorType) = await ErrorShapeAsync(second);

        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("error", type);
        Assert.Equal("rate_limit_error", errorType);
        Assert.True(second.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.StartsWith("req_", second.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task UnknownKey_Is401AuthenticationError(string backend)
    {
        var b = fixture[backend];
        using var response = await b.Http.SendAsync(Messages(b.Addresses[0], "sk-mr-test-unknown-" + Guid.NewGuid().ToString("N"), stream: false));
        var (type, errorType) = await ErrorShapeAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("error", type);
        Assert.Equal("authentication_error", errorType);
    }

    private static HttpRequestMessage Messages(Uri gateway, string key, bool stream, params (string Name, string Value)[] headers) =>
        Messages(gateway, key, stream, MeteringBackend.Model, headers);

    private static HttpRequestMessage Messages(Uri gateway, string key, bool stream, string model, params (string Name, string Value)[] headers)
    {
        var json = $$"""{"model":"{{model}}","max_tokens":1024,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"Say hello to the metering tests"}]}""";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "v1/messages"))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    private static async Task<(string? Type, string? ErrorType)> ErrorShapeAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (body.RootElement.GetProperty("type").GetString(), body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }
}
