using System.ClientModel;
using System.Net.Http.Headers;
using System.Text;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Keys;
using MassRouter.ControlApi.Ledger;
using MassRouter.Core.Money;
using OpenAI;
using OpenAI.Chat;

namespace MassRouter.Platform.Tests.Journey;

/// <summary>
/// The seed platform's journey over real HTTP: register, log in, top up, create a key, stream a completion through the
/// gateway with the official OpenAI SDK, wait for the ledger flush, and check balance and usage to the nano-dollar.
/// </summary>
internal static class Journey
{
    private const decimal TopUpUsd = 5m;

    public static async Task RunAsync(Uri controlApi, Uri gateway, string model, ModelPrice price)
    {
        using var http = new HttpClient { BaseAddress = controlApi, Timeout = TimeSpan.FromSeconds(30) };
        var email = $"journey-{Guid.NewGuid():N}@test.local";
        const string Password = "correct-horse-battery";

        await Expect.StatusAsync(
            await http.PostAsJsonAsync("/api/auth/register", new { email, password = Password, displayName = "Journey" }), HttpStatusCode.Created);
        var tokens = await Expect.JsonAsync<TokenResponse>(await http.PostAsJsonAsync("/api/auth/login", new { email, password = Password }));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);

        await Expect.JsonAsync<PaymentView>(await http.PostAsJsonAsync("/api/billing/topups", new { amountUsd = TopUpUsd }), HttpStatusCode.Created);
        var key = await Expect.JsonAsync<CreatedKey>(await http.PostAsJsonAsync("/api/keys", new { name = "journey" }), HttpStatusCode.Created);

        var client = new OpenAIClient(new ApiKeyCredential(key.Secret), new OpenAIClientOptions { Endpoint = new Uri(gateway, "v1") }).GetChatClient(model);
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        // For one of the app's own users (the SDK's EndUserId is OpenAI's user field): the ledger attributes the spend to them.
        var options = new ChatCompletionOptions { EndUserId = "journey-customer" };
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hello from the journey test")], options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage = update.Usage ?? usage;
        }

        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
        Assert.NotNull(usage);
        Assert.True(usage.InputTokenCount > 0 && usage.OutputTokenCount > 0);
        var cached = usage.InputTokenDetails?.CachedTokenCount ?? 0;
        var expectedCost = price.Cost(usage.InputTokenCount, usage.OutputTokenCount, cached);
        Assert.True(expectedCost > 0, "The model must have a price, or the balance cannot be seen to drop.");

        // The gateway settles after the response and the ledger flusher drains the outbox on its own schedule: poll
        // the usage report until the event is in the ledger, with a deadline.
        var report = await PollAsync(
            () => http.GetFromJsonAsync<UsageReport>("/api/usage?groupBy=model"),
            r => r!.Totals.Requests > 0,
            TimeSpan.FromSeconds(15));
        var row = Assert.Single(report.Groups.Items);
        Assert.Equal(new UsageRow(model, 1, usage.InputTokenCount, usage.OutputTokenCount, cached, expectedCost), row);
        Assert.Equal(new UsageTotals(1, usage.InputTokenCount, usage.OutputTokenCount, cached, expectedCost), report.Totals);
        var byUser = (await http.GetFromJsonAsync<UsageReport>("/api/usage?groupBy=user"))!;
        Assert.Equal(("journey-customer", expectedCost), (Assert.Single(byUser.Groups.Items).Key, byUser.Totals.CostNanos));

        var paid = Nanos.FromDollars(TopUpUsd);
        var balance = (await http.GetFromJsonAsync<BalanceView>("/api/billing/balance"))!;
        Assert.Equal(paid, balance.PaymentsNanos);
        Assert.Equal(0, balance.AdjustmentsNanos);
        Assert.Equal(expectedCost, balance.UsageNanos);
        Assert.Equal(paid - expectedCost, balance.BalanceNanos);
        Assert.Equal(paid - expectedCost, balance.WorkingBalanceNanos);

        // The app caps what each of its users may spend a day at what this one has spent: once the gateway has the key's
        // new record (announced by the control plane), that user's next request is refused, and another user is served.
        var capped = await Expect.JsonAsync<KeyView>(await http.PatchAsJsonAsync($"/api/keys/{key.Key.Id}", new { endUserDailyCapNanos = expectedCost }));
        Assert.Equal(expectedCost, capped.EndUserDailyCapNanos);
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            while (true)
            {
                try
                {
                    await client.CompleteChatAsync([new UserChatMessage("Once more")], options);
                }
                catch (ClientResultException e) when (e.Status == 402)
                {
                    Assert.Contains("end_user_budget_exceeded", e.Message, StringComparison.Ordinal);
                    break;
                }

                Assert.False(deadline.IsCancellationRequested, "The end user's cap was not applied within 15 s.");
                await Task.Delay(50, CancellationToken.None);
            }
        }

        var other = await client.CompleteChatAsync([new UserChatMessage("Hello")], new ChatCompletionOptions { EndUserId = "another-customer" });
        Assert.False(string.IsNullOrWhiteSpace(other.Value.Content[0].Text));
    }

    private static async Task<T> PollAsync<T>(Func<Task<T?>> read, Func<T?, bool> done, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value!;
            }

            Assert.False(timeout.IsCancellationRequested, $"Not done within {deadline}: {System.Text.Json.JsonSerializer.Serialize(value)}");
            await Task.Delay(50, CancellationToken.None);
        }
    }
}
