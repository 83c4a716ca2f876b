using MassRouter.ControlApi.Billing;
using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Tests.Billing;

/// <summary>Top-up requests and the Redis balance they move, shared by the top-up and recovery tests.</summary>
internal static class TopUps
{
    public static async Task<PaymentView> PostAsync(HttpClient http, decimal amountUsd, string? key, HttpStatusCode expected)
    {
        using var request = Request(amountUsd, key);
        var response = await http.SendAsync(request);
        var payment = await Expect.JsonAsync<PaymentView>(response, expected);
        Assert.Equal($"/api/billing/payments/{payment.Id}", response.Headers.Location?.OriginalString);
        return payment;
    }

    public static HttpRequestMessage Request(decimal amountUsd, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/billing/topups") { Content = JsonContent.Create(new { amountUsd }) };
        if (key is not null)
        {
            request.Headers.Add(BillingApi.IdempotencyKeyHeader, key);
        }

        return request;
    }

    /// <summary>The account's working balance in Redis (0 when it has none).</summary>
    public static async Task<long> RedisBalanceAsync(ControlApiFixture fixture, string account) =>
        (long)await fixture.RedisDb.HashGetAsync(RedisKeys.Account(account), AccountFields.BalanceNanos);
}
