using MassRouter.Core.Usage;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>The settle script's keys and arguments from a key's cached names are those built from the event alone.</summary>
public sealed class SettleScriptArgumentsTests
{
    [Theory]
    [InlineData("acct", "key-1", true)]
    [InlineData("acct", "key-2", false)]
    [InlineData("other", "key-1", false)]
    public void FromCachedNames_TheSameKeysAndArguments_AsFromTheEvent(string namesAccount, string namesKey, bool used)
    {
        var settlement = new Settlement(
            new UsageEvent
            {
                Id = "ev-1",
                RequestId = "req-1",
                KeyId = "key-1",
                Account = "acct",
                Model = "m",
                Provider = "p",
                CostNanos = 1_234_567_890_123,
                Status = UsageStatus.Ok,
                HttpStatus = 200,

                // 23:59:59.999 on the last day of a month: the daily and monthly hashes of that day, not the next.
                EndedAt = new DateTimeOffset(2026, 11, 30, 23, 59, 59, 999, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            },
            KeyTpm: 1_000,
            TokenDelta: -7,
            Claim: SettlementClaim.Inflight);
        var names = new ApiKeyInfo(namesKey, null, null) { Account = namesAccount }.RedisNames;

        // The names were used for a request of another day first: their cached day keys must follow the event's day.
        names.Spend(new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero));
        var (keys, values) = SettleScript.Call([settlement], ["{}"], TimeSpan.FromHours(1), announce: true);
        var (cachedKeys, cachedValues) = SettleScript.Call([settlement], ["{}"], TimeSpan.FromHours(1), announce: true, [names]);

        Assert.Equal(keys.Select(k => (string?)k), cachedKeys.Select(k => (string?)k));
        Assert.Equal(values.Select(v => v.ToString()), cachedValues.Select(v => v.ToString()));
        Assert.Contains("mr:{a:acct}:spend:d:20261130", keys.Select(k => (string?)k));
        Assert.Equal("1234567890123", values[SettleScript.Prefix].ToString());
        Assert.Equal("-1234567890123", values[SettleScript.Prefix + 1].ToString());
        Assert.Equal(used, ReferenceEquals((string?)cachedKeys[0], (string?)names.Account));
    }
}
