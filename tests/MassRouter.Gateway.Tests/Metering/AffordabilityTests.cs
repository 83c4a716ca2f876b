using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Tests.Forwarding;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// A request whose output limit could cost more than the account's balance is refused at admission (as OpenRouter does),
/// with what the balance would cover; one the balance covers, or one with no output limit, goes on as before.
/// </summary>
[Collection(MeteringCollection.Name)]
public partial class AffordabilityTests(MeteringFixture fixture)
{
    // 1,000 output tokens of test/metered ($10 per million) may cost $0.01, more than half a cent.
    private const long HalfACent = 5_000_000;

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ARequestThatCouldCostMoreThanTheBalance_Is402_SayingWhatItCouldAfford(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(HalfACent);

        using var refused = await b.Http.SendAsync(b.Chat(0, key.Secret, Body(maxTokens: 1000)));

        var message = await RefusalAsync(refused);
        Assert.Contains("up to 1,000 output tokens", message, StringComparison.Ordinal);
        Assert.Contains("more than the $0.005 left on the account", message, StringComparison.Ordinal);
        var affordable = int.Parse(AffordableTokens().Match(message).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.InRange(affordable, 450, 499);

        // Nothing was recorded or charged for it; the limit the message names is admitted, and billed as usual.
        Assert.Equal(HalfACent, await b.BalanceAsync(key.Account));
        Assert.Empty(await b.Db.HashGetAllAsync(RedisKeys.Inflight(key.Account)));
        using var admitted = await b.Http.SendAsync(b.Chat(0, key.Secret, Body(maxTokens: affordable)));
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.Single(await b.WaitForEventsAsync(key.Account, 1));
        Assert.True(await b.BalanceAsync(key.Account) < HalfACent);

        using var oneMore = await b.Http.SendAsync(b.Chat(1, key.Secret, Body(maxTokens: affordable + 1)));
        await RefusalAsync(oneMore);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task AFallbackModel_CountsAtItsOwnPrice(string backend)
    {
        // 400 output tokens: $0.004 on test/metered ($10 per million), within half a cent; $0.006 on its fallback
        // test/metered-claude ($15 per million), which may be the one that answers.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(HalfACent);

        using var alone = await b.Http.SendAsync(b.Chat(0, key.Secret, Body(maxTokens: 400)));
        Assert.Equal(HttpStatusCode.OK, alone.StatusCode);

        var fallback = $$"""{"model":"{{MeteringBackend.Model}}","models":["{{MeteringBackend.ClaudeModel}}"],"max_tokens":400,"messages":[{"role":"user","content":"Say hello to the metering tests"}]}""";
        using var refused = await b.Http.SendAsync(b.Chat(0, key.Secret, fallback));
        var message = await RefusalAsync(refused);
        Assert.Contains("up to 400 output tokens", message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task EachChoice_MayUseTheWholeOutputLimit(string backend)
    {
        // 200 output tokens are $0.002 at $10 per million; three choices of them $0.006, over half a cent.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(HalfACent);

        var three = $$"""{"model":"{{MeteringBackend.Model}}","n":3,"max_tokens":200,"messages":[{"role":"user","content":"Say hello to the metering tests"}]}""";
        using var refused = await b.Http.SendAsync(b.Chat(0, key.Secret, three));
        var message = await RefusalAsync(refused);
        Assert.Contains("up to 200 output tokens for each of its 3 choices", message, StringComparison.Ordinal);
        var affordable = int.Parse(AffordableTokens().Match(message).Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
        Assert.InRange(affordable, 150, 166);

        using var one = await b.Http.SendAsync(b.Chat(0, key.Secret, Body(maxTokens: 200)));
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task WithoutAnOutputLimit_OrOnAFreeModel_APositiveBalanceStillAdmits(string backend)
    {
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(1_000);

        using var unbounded = await b.Http.SendAsync(b.Chat(0, key.Secret));
        Assert.Equal(HttpStatusCode.OK, unbounded.StatusCode);

        var free = await b.CreateKeyAsync(1_000);
        using var freeModel = await b.Http.SendAsync(b.Chat(0, free.Secret, Body(maxTokens: 100_000, model: MeteringBackend.OtherModel)));
        Assert.Equal(HttpStatusCode.OK, freeModel.StatusCode);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task OnTheMessagesRoute_ItIsABillingError_InAnthropicsShape(string backend)
    {
        // Anthropic's max_tokens is required: 4,096 tokens of test/metered-claude ($15 per million) may cost $0.06.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(Nanos.FromDollars(0.05m));
        using var response = await b.Http.SendAsync(b.Messages(
            0, key.Secret, $$"""{"model":"{{MeteringBackend.ClaudeModel}}","max_tokens":4096,"messages":[{"role":"user","content":"Say hello to the metering tests"}]}"""));

        var message = await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.PaymentRequired, "billing_error");
        Assert.Contains("up to 4,096 output tokens", message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(MeteringFixture.Backends), MemberType = typeof(MeteringFixture))]
    public async Task ABodyOnlyItsOwnApiCanServe_IsBoundedByItsOwnOutputLimit(string backend)
    {
        // Neither a background response (max_output_tokens) nor an Anthropic request with top_k (max_tokens) has a chat
        // form: both go to their provider as sent, and their own output limit bounds them.
        var b = fixture[backend];
        var key = await b.CreateKeyAsync(HalfACent);

        using var background = await b.Http.SendAsync(b.Responses(
            0, key.Secret, $$"""{"model":"{{MeteringBackend.ResponsesModel}}","input":"Tell me a story","background":true,"max_output_tokens":1000}"""));
        var message = await RefusalAsync(background);
        Assert.Contains("up to 1,000 output tokens", message, StringComparison.Ordinal);

        using var topK = await b.Http.SendAsync(b.Messages(
            0, key.Secret, $$"""{"model":"{{MeteringBackend.ClaudeModel}}","max_tokens":1000,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}"""));
        Assert.Contains("up to 1,000 output tokens", await AnthropicErrorAssert.IsErrorAsync(topK, HttpStatusCode.PaymentRequired, "billing_error"), StringComparison.Ordinal);
    }

    /// <summary>The message of the 402 <c>insufficient_quota</c> the response must be.</summary>
    private static async Task<string> RefusalAsync(HttpResponseMessage response) =>
        (await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.PaymentRequired, "insufficient_quota"))["message"]!.GetValue<string>();

    private static string Body(int maxTokens, string model = MeteringBackend.Model) =>
        $$"""{"model":"{{model}}","max_tokens":{{maxTokens}},"messages":[{"role":"user","content":"Say hello to the metering tests"}]}""";

    [GeneratedRegex("Ask for at most ([0-9,]+) output tokens")]
    private static partial Regex AffordableTokens();
}
