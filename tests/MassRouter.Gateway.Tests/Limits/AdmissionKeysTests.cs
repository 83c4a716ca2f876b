using MassRouter.Core.Redis;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;

namespace MassRouter.Gateway.Tests.Limits;

/// <summary>The admission script's keys come from the key's cached names: one array per key and UTC day.</summary>
public sealed class AdmissionKeysTests
{
    [Fact]
    public void OneArrayPerKeyAndDay_InTheScriptsOrder_FollowingTheUtcDay()
    {
        var names = new ApiKeyInfo("key-1", null, null) { Account = "acct" }.RedisNames;
        var lastMinute = new DateTimeOffset(2026, 11, 30, 23, 59, 59, 999, TimeSpan.Zero);

        var keys = AdmissionScript.Keys(names, lastMinute);
        Assert.Equal(
            [
                RedisKeys.Account("acct"), RedisKeys.RateLimit("acct", "key-1", "rpm"), RedisKeys.RateLimit("acct", "key-1", "tpm"),
                RedisKeys.RateLimit("acct", null, "rpm"), RedisKeys.RateLimit("acct", null, "tpm"),
                RedisKeys.DailySpend("acct", lastMinute), RedisKeys.MonthlySpend("acct", lastMinute), RedisKeys.Inflight("acct"),
            ],
            keys.Select(k => (string)k!));
        Assert.Equal(AdmissionScript.Stride - 1, keys.Length); // the last, the end user's RPM cell, is each request's own
        Assert.Same(keys, AdmissionScript.Keys(names, lastMinute.AddHours(-23)));

        // A minute later is another day (and month): new spend hashes, a new array; the old one is left as it was.
        var next = AdmissionScript.Keys(names, lastMinute.AddMinutes(1));
        Assert.NotSame(keys, next);
        Assert.Equal("mr:{a:acct}:spend:d:20261201", (string?)next[5]);
        Assert.Equal("mr:{a:acct}:spend:m:202612", (string?)next[6]);
        Assert.Equal("mr:{a:acct}:spend:d:20261130", (string?)keys[5]);
        Assert.Equal(names.Spend(lastMinute.AddMinutes(1)), (next[5], next[6]));
    }
}
