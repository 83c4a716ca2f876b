namespace MassRouter.Gateway.Auth;

/// <summary>What the gateway knows of an authenticated API key.</summary>
/// <param name="KeyId">A stable, non-secret id.</param>
/// <param name="Name">Display name.</param>
/// <param name="AllowedModels">Public model ids this key may use; null means all.</param>
public sealed record ApiKeyInfo(string KeyId, string? Name, IReadOnlySet<string>? AllowedModels)
{
    /// <summary>The paying account; null for keys from configuration, which are not metered.</summary>
    public string? Account { get; init; }

    /// <summary>Unix ms after which the key is rejected; 0 = never.</summary>
    public long ExpiresAt { get; init; }

    /// <summary>Requests per minute; 0 = unlimited.</summary>
    public long Rpm { get; init; }

    /// <summary>Tokens per minute; 0 = unlimited.</summary>
    public long Tpm { get; init; }

    /// <summary>Concurrent requests; 0 = unlimited.</summary>
    public int MaxConcurrency { get; init; }

    /// <summary>Spend cap per UTC day in nano-dollars; 0 = none.</summary>
    public long DailyCapNanos { get; init; }

    /// <summary>Spend cap per calendar month in nano-dollars; 0 = none.</summary>
    public long MonthlyCapNanos { get; init; }

    /// <summary>
    /// What each end user (the request's <c>user</c>, see <see cref="Limits.EndUserSpend"/>) may spend through the key's
    /// account per UTC day, in nano-dollars; 0 = none. Requests that name no end user are not held to it.
    /// </summary>
    public long EndUserDailyCapNanos { get; init; }

    /// <summary>What each end user may spend through the key's account per calendar month, in nano-dollars; 0 = none.</summary>
    public long EndUserMonthlyCapNanos { get; init; }

    /// <summary>Requests per minute each end user may make through the key; 0 = unlimited.</summary>
    public long EndUserRpm { get; init; }

    /// <summary>True when the key caps its end users' spend (which is then counted per end user).</summary>
    public bool CapsEndUsers => EndUserDailyCapNanos > 0 || EndUserMonthlyCapNanos > 0;

    /// <summary>True when the key holds each end user to a limit: a request naming one waits for Redis's verdict.</summary>
    public bool LimitsEndUsers => CapsEndUsers || EndUserRpm > 0;

    /// <summary>The account ever paid: admission fails closed for it when Redis is unreachable (by default).</summary>
    public bool AccountPaid { get; init; }

    /// <summary>The account's requests per minute (all its keys); 0 = unlimited.</summary>
    public long AccountRpm { get; init; }

    /// <summary>The account's tokens per minute (all its keys); 0 = unlimited.</summary>
    public long AccountTpm { get; init; }

    /// <summary>The account's spend cap per UTC day in nano-dollars; 0 = none.</summary>
    public long AccountDailyCapNanos { get; init; }

    /// <summary>The account's spend cap per calendar month in nano-dollars; 0 = none.</summary>
    public long AccountMonthlyCapNanos { get; init; }

    /// <summary>Redis key names for admission, built on first use (a benign race may build them twice).</summary>
    internal Limits.AccountKeyNames RedisNames => _redisNames ??= new Limits.AccountKeyNames(this);

    private Limits.AccountKeyNames? _redisNames;

    /// <summary>The spend Redis last reported at admission, the baseline for local caps while Redis is unreachable.</summary>
    internal Limits.ObservedSpend ObservedSpend => _observedSpend ??= new Limits.ObservedSpend();

    private Limits.ObservedSpend? _observedSpend;

    /// <summary>
    /// Carries what this instance saw of the key's spend and its account's balance over from <paramref name="previous"/>,
    /// the record of the same key this one replaces (a resync reloads every cached key, every 30 s and on each reconnect):
    /// otherwise the baseline of local caps and of the fail-open balance check would be lost until the key's next
    /// admission through Redis, and an outage starting in between would find none. The room for optimistic admission is
    /// not carried: limits may have changed, and one waited admission records it afresh.
    /// </summary>
    internal void InheritObservations(ApiKeyInfo previous)
    {
        if (previous.KeyId == KeyId && previous.Account == Account && previous._observedSpend is { } observed)
        {
            _observedSpend = observed;
        }
    }

    /// <summary>The room Redis last reported for this key, for optimistic admission.</summary>
    internal Limits.AdmissionHeadroom Headroom => LazyInitializer.EnsureInitialized(ref _headroom);

    private Limits.AdmissionHeadroom? _headroom;

    /// <summary>True when the key may use <paramref name="model"/>.</summary>
    public bool MayUse(string model) => AllowedModels is null || AllowedModels.Contains(model);

    /// <summary>True once <see cref="ExpiresAt"/> has passed.</summary>
    public bool IsExpired(long nowMs) => ExpiresAt > 0 && nowMs >= ExpiresAt;
}
