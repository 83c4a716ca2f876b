using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;

namespace MassRouter.Gateway.Tests.Limits;

public class LocalFallbackLimiterTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 31, 23, 59, 0, TimeSpan.Zero);

    [Fact]
    public void TokenBudget_RefillsContinuously_AndRetryAfterSaysWhen()
    {
        var clock = new ManualClock(Start);
        var limiter = new LocalFallbackLimiter(clock);
        var key = Key("k1", "a1") with { Tpm = 600 };

        // 600 TPM: a full minute's budget bursts (six requests of 100 tokens), then one token per 100 ms comes back.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 100, 0).Verdict);
        }

        var rejected = limiter.TryAdmit(key, 100, 0);
        Assert.Equal(AdmissionVerdict.TokensExceeded, rejected.Verdict);
        Assert.Equal(600, rejected.RejectedLimit);
        Assert.Equal(10_000, rejected.RetryAfterMs);

        clock.Advance(TimeSpan.FromMilliseconds(9_999));
        Assert.Equal(AdmissionVerdict.TokensExceeded, limiter.TryAdmit(key, 100, 0).Verdict);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var admitted = limiter.TryAdmit(key, 100, 0);
        Assert.Equal(AdmissionVerdict.Admitted, admitted.Verdict);
        Assert.Equal(new RateLimitState(0, 0, 0, 600, 0, 60_000), admitted.State);
    }

    [Fact]
    public void TheBalanceRedisLastReported_IsCountedDown_ByWhatIsAdmittedHere()
    {
        var limiter = new LocalFallbackLimiter(new ManualClock(Start));

        // Never answered by Redis on this instance: no balance to count from, as before.
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(Key("k0", "a0"), 10, 1_000_000, mostCostNanos: long.MaxValue).Verdict);

        var key = Key("k1", "a1");
        key.ObservedSpend.RecordBalance(100);
        var tooDear = limiter.TryAdmit(key, 10, 40, mostCostNanos: 101);
        Assert.Equal((AdmissionVerdict.CannotAfford, 100L), (tooDear.Verdict, tooDear.RejectedLimit));
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 40, mostCostNanos: 100).Verdict);
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 40).Verdict);

        // The account's other key saw the same balance: 20 left of it, admitted as Redis would (a positive balance), and
        // then none is left for either key.
        var other = Key("k2", "a1");
        other.ObservedSpend.RecordBalance(100);
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(other, 10, 40).Verdict);
        Assert.Equal(AdmissionVerdict.NoBalance, limiter.TryAdmit(key, 10, 40).Verdict);
        Assert.Equal(AdmissionVerdict.NoBalance, limiter.TryAdmit(other, 10, 40).Verdict);

        // Redis answers again: its balance is the truth, and the local count starts afresh.
        limiter.Forget("a1");
        key.ObservedSpend.RecordBalance(50);
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 40).Verdict);
    }

    [Fact]
    public void PromptLargerThanTheKeysTpm_IsNeverAdmitted()
    {
        var limiter = new LocalFallbackLimiter(new ManualClock(Start));
        Assert.Equal(AdmissionVerdict.TokensExceeded, limiter.TryAdmit(Key("k1", "a1") with { Tpm = 100 }, 101, 0).Verdict);
    }

    [Fact]
    public void AccountLimits_AreSharedByItsKeys_AndARejectionCountsNothing()
    {
        var limiter = new LocalFallbackLimiter(new ManualClock(Start));
        var first = Key("k1", "a1") with { Rpm = 1, AccountTpm = 150 };
        var second = Key("k2", "a1") with { AccountTpm = 150 };

        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(second, 100, 0).Verdict);

        // The account's tokens are short: the key's one request per minute must not be used up by the rejection.
        Assert.Equal(AdmissionVerdict.TokensExceeded, limiter.TryAdmit(first, 100, 0).Verdict);
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(first, 50, 0).Verdict);
        Assert.Equal(AdmissionVerdict.RequestsExceeded, limiter.TryAdmit(first, 0, 0).Verdict);

        // Another account is untouched.
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(Key("k3", "a2") with { AccountTpm = 150 }, 150, 0).Verdict);
    }

    [Fact]
    public void SpendCaps_CountFromTheObservedSpend_AndTheDailyOneStartsAfreshAtUtcMidnight()
    {
        var dayBefore = new DateTimeOffset(2026, 3, 30, 23, 59, 0, TimeSpan.Zero);
        var clock = new ManualClock(dayBefore);
        var limiter = new LocalFallbackLimiter(clock);
        var key = Key("k1", "a1") with { DailyCapNanos = 1_000, AccountMonthlyCapNanos = 5_000 };
        key.ObservedSpend.Record(dayBefore, new SpendSnapshot(KeyDaily: 900, AccountDaily: 900, KeyMonthly: 900, AccountMonthly: 4_500));

        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 100).Verdict);
        Assert.Equal(AdmissionVerdict.CapReached, limiter.TryAdmit(key, 10, 100).Verdict);

        // A new UTC day of the same month: the key's daily spend starts again, the account's monthly one goes on.
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 300).Verdict);
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 100).Verdict);
        Assert.Equal(AdmissionVerdict.CapReached, limiter.TryAdmit(key, 10, 0).Verdict);

        // A new month: nothing of the old one counts.
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 10, 1_000).Verdict);
        Assert.Equal(AdmissionVerdict.CapReached, limiter.TryAdmit(key, 10, 0).Verdict);
    }

    [Fact]
    public void Forget_DropsWhatWasCountedForTheAccount()
    {
        var limiter = new LocalFallbackLimiter(new ManualClock(Start));
        var key = Key("k1", "a1") with { Rpm = 1 };
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 0, 0).Verdict);
        Assert.Equal(AdmissionVerdict.RequestsExceeded, limiter.TryAdmit(key, 0, 0).Verdict);

        limiter.Forget("a1");
        Assert.Equal(AdmissionVerdict.Admitted, limiter.TryAdmit(key, 0, 0).Verdict);
    }

    private static ApiKeyInfo Key(string id, string account) => new(id, null, null) { Account = account };

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
