using System.Collections.Concurrent;
using MassRouter.Gateway.Auth;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// Admission in process alone, for fail-open while Redis is unreachable: the same checks as <see cref="AdmissionScript"/>
/// as far as the cached key record knows them. RPM and TPM of the key and of its account use the same GCRA windows
/// (the prompt estimate enters the TPM windows); daily and monthly spend caps of the key and the account compare the
/// spend Redis last reported to this instance plus what this instance admitted since, each request counted at its
/// prompt-estimate cost. The balance is the one the last Redis admission of the key here answered, less what this
/// instance admitted for the account since (prompt costs): none left is "no balance", less than the most the request
/// could cost is "cannot afford", as the script judges them; a key Redis never answered here is not balance-checked.
/// Nothing is counted unless every check passes.
/// </summary>
/// <remarks>
/// The bound is per instance: each gateway admits up to a key's full limits and remaining caps on its own, so N
/// instances may admit up to N times them until Redis returns; and a request's output is charged only when it is
/// settled into Redis, so local caps see prompt costs only. The first Redis admission of an account after the outage
/// drops its local state: Redis is the truth again.
/// </remarks>
internal sealed class LocalFallbackLimiter(TimeProvider time)
{
    private const double WindowMs = 60_000;

    private readonly ConcurrentDictionary<string, AccountState> _accounts = new(StringComparer.Ordinal);

    /// <summary>Checks and, when every check passes, counts one request of <paramref name="tokens"/> prompt tokens costing at least <paramref name="costNanos"/>.</summary>
    /// <param name="mostCostNanos">The most the request could cost (0: no bound), as the admission script takes it.</param>
    public AdmissionOutcome TryAdmit(ApiKeyInfo key, long tokens, long costNanos, long mostCostNanos = 0)
    {
        var now = time.GetUtcNow();
        var nowMs = (double)now.ToUnixTimeMilliseconds();
        var (day, month) = ObservedSpend.Periods(now);
        var seen = key.ObservedSpend.Read(now);
        var account = _accounts.GetOrAdd(key.Account!, static _ => new AccountState());
        lock (account.Gate)
        {
            var own = account.Keys.TryGetValue(key.KeyId, out var found) ? found : account.Keys[key.KeyId] = new Counters();
            if (Over(key.AccountDailyCapNanos, seen.AccountDaily, account.Spend.Daily(day))
                || Over(key.AccountMonthlyCapNanos, seen.AccountMonthly, account.Spend.Monthly(month))
                || Over(key.DailyCapNanos, seen.KeyDaily, own.Spend.Daily(day))
                || Over(key.MonthlyCapNanos, seen.KeyMonthly, own.Spend.Monthly(month)))
            {
                return new AdmissionOutcome(AdmissionVerdict.CapReached, 0, default);
            }

            if (key.ObservedSpend.Balance is { } balance)
            {
                var left = balance - account.Admitted;
                if (left <= 0)
                {
                    return new AdmissionOutcome(AdmissionVerdict.NoBalance, 0, default);
                }

                if (left < mostCostNanos)
                {
                    return new AdmissionOutcome(AdmissionVerdict.CannotAfford, 0, default, left);
                }
            }

            Span<Step> steps =
            [
                new(own.Requests, key.Rpm, 1, Tokens: false),
                new(own.Tokens, key.Tpm, tokens, Tokens: true),
                new(account.Requests, key.AccountRpm, 1, Tokens: false),
                new(account.Tokens, key.AccountTpm, tokens, Tokens: true),
            ];
            var state = default(RateLimitState);
            for (var i = 0; i < steps.Length; i++)
            {
                ref var step = ref steps[i];
                if (step.Limit <= 0)
                {
                    continue;
                }

                var interval = WindowMs / step.Limit;
                step.Next = Math.Max(step.Window.Tat, nowMs) + (interval * step.Cost);
                var ahead = step.Next - nowMs;
                if (ahead > WindowMs)
                {
                    var verdict = step.Tokens ? AdmissionVerdict.TokensExceeded : AdmissionVerdict.RequestsExceeded;
                    return new AdmissionOutcome(verdict, Math.Max(1, (long)Math.Ceiling(ahead - WindowMs)), default, step.Limit);
                }

                // The tighter of the key's and the account's window is the one the x-ratelimit-* headers report.
                var remaining = (long)Math.Floor((WindowMs - ahead) / interval);
                var reset = (long)Math.Ceiling(ahead);
                state = step.Tokens
                    ? state.TokenLimit == 0 || remaining < state.TokensRemaining ? state with { TokenLimit = step.Limit, TokensRemaining = remaining, TokensResetMs = reset } : state
                    : state.RequestLimit == 0 || remaining < state.RequestsRemaining ? state with { RequestLimit = step.Limit, RequestsRemaining = remaining, RequestsResetMs = reset } : state;
            }

            foreach (var step in steps)
            {
                if (step.Limit > 0)
                {
                    step.Window.Tat = step.Next;
                }
            }

            own.Spend.Add(day, month, costNanos);
            account.Spend.Add(day, month, costNanos);
            account.Admitted += costNanos;
            return new AdmissionOutcome(AdmissionVerdict.Admitted, 0, state);
        }
    }

    /// <summary>Drops what was counted for <paramref name="account"/> while Redis was unreachable (Redis answers again).</summary>
    public void Forget(string account)
    {
        // A lock-free lookup on the normal path (IsEmpty and Count would take every lock of an empty dictionary).
        if (_accounts.ContainsKey(account))
        {
            _accounts.TryRemove(account, out _);
        }
    }

    private static bool Over(long cap, long seen, long local) => cap > 0 && seen + local >= cap;

    private sealed class Window
    {
        /// <summary>GCRA theoretical arrival time, Unix ms.</summary>
        public double Tat;
    }

    private sealed class LocalSpend
    {
        private long _day = -1;
        private long _month = -1;
        private long _daily;
        private long _monthly;

        public long Daily(long day) => day == _day ? _daily : 0;

        public long Monthly(long month) => month == _month ? _monthly : 0;

        public void Add(long day, long month, long cost)
        {
            (_daily, _day) = (Daily(day) + cost, day);
            (_monthly, _month) = (Monthly(month) + cost, month);
        }
    }

    private class Counters
    {
        public Window Requests { get; } = new();

        public Window Tokens { get; } = new();

        public LocalSpend Spend { get; } = new();
    }

    private sealed class AccountState : Counters
    {
        public Lock Gate { get; } = new();

        /// <summary>The prompt costs admitted here for the account since Redis stopped answering (what its balance lost).</summary>
        public long Admitted { get; set; }

        /// <summary>The account's keys; guarded by the account's lock like everything else here.</summary>
        public Dictionary<string, Counters> Keys { get; } = new(StringComparer.Ordinal);
    }

    private record struct Step(Window Window, long Limit, long Cost, bool Tokens)
    {
        public double Next;
    }
}
