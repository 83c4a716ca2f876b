namespace MassRouter.Gateway.Limits;

/// <summary>
/// The daily and monthly spend of one key and its account as the last Redis admission of this instance read them:
/// the baseline local spend caps count from while Redis is unreachable. A value read on an earlier UTC day (or month)
/// no longer applies and reads as zero, as the spend hashes themselves start afresh. Also the account's balance as that
/// admission answered it, which local admission counts down from.
/// </summary>
internal sealed class ObservedSpend
{
    private const long Unknown = long.MinValue;

    private readonly Lock _lock = new();
    private long _balance = Unknown;
    private long _day = -1;
    private long _month = -1;
    private SpendSnapshot _spend;

    public void Record(DateTimeOffset now, SpendSnapshot spend)
    {
        var (day, month) = Periods(now);
        lock (_lock)
        {
            (_day, _month, _spend) = (day, month, spend);
        }
    }

    /// <summary>The account's balance (nano-dollars) as Redis last answered an admission of this key here; null before any.</summary>
    public long? Balance
    {
        get
        {
            var balance = Volatile.Read(ref _balance);
            return balance == Unknown ? null : balance;
        }
    }

    /// <summary>Records the balance an admission's answer gave (0 for "no balance left"); one store, no lock: on every admission.</summary>
    public void RecordBalance(long balanceNanos) => Volatile.Write(ref _balance, balanceNanos);

    public SpendSnapshot Read(DateTimeOffset now)
    {
        var (day, month) = Periods(now);
        lock (_lock)
        {
            var spend = _spend;
            if (_month != month)
            {
                return default;
            }

            return _day == day ? spend : spend with { KeyDaily = 0, AccountDaily = 0 };
        }
    }

    /// <summary>The UTC day number and month number of <paramref name="now"/>, as the spend hashes are keyed.</summary>
    public static (long Day, long Month) Periods(DateTimeOffset now)
    {
        var utc = now.UtcDateTime;
        return (utc.Date.Ticks / TimeSpan.TicksPerDay, (utc.Year * 12L) + utc.Month);
    }
}
