namespace MassRouter.Core.Redis;

/// <summary>The Redis key and channel names both planes use; the layout is documented in docs/redis-layout.md.</summary>
public static class RedisKeys
{
    /// <summary>Pub/sub channel for invalidations (<c>key:&lt;hash&gt;</c>, <c>account:&lt;id&gt;</c>, <c>catalog</c>).</summary>
    public const string EventsChannel = "mr:events";

    /// <summary>The catalog document (JSON string).</summary>
    public const string Catalog = "mr:catalog";

    /// <summary>Set of account ids whose outbox may hold events.</summary>
    public const string OutboxAccounts = "mr:outbox:accounts";

    /// <summary>Lock held by the single active ledger flusher.</summary>
    public const string FlusherLock = "mr:flusher:lock";

    /// <summary>SCAN pattern matching every account outbox.</summary>
    public const string OutboxPattern = "mr:{a:*}:outbox";

    /// <summary>The key record of the key whose secret hashes to <paramref name="sha256Hex"/> (lowercase hex).</summary>
    public static string Key(string sha256Hex) => "mr:key:" + sha256Hex;

    /// <summary>The hash tag shared by every key of one account.</summary>
    public static string AccountTag(string account) => "{a:" + account + "}";

    /// <summary>
    /// Which provider holds an object of OpenAI's stored state (a response stored by a provider serving the Responses API,
    /// <c>resp_…</c>, or a conversation, <c>conv_…</c>), and whose it is (string <c>owner\nprovider</c>, expiring with the
    /// provider's retention): read to route <c>previous_response_id</c> and <c>conversation</c> and the endpoints on them.
    /// </summary>
    public static string StoredObject(string id) => "mr:stored:" + id;

    /// <summary>
    /// Background responses (OpenAI's Responses API with <c>background: true</c>) not yet billed: a hash of response id to
    /// the charge to settle once the provider has finished it (JSON). Shares a hash slot with <see cref="BackgroundDue"/>.
    /// </summary>
    public const string BackgroundCharges = "mr:{bg}:charges";

    /// <summary>The same responses by when a gateway next asks the provider how they stand (sorted set, Unix ms).</summary>
    public const string BackgroundDue = "mr:{bg}:due";

    /// <summary>
    /// How many background responses each account has held in <see cref="BackgroundCharges"/> (hash: account → count, the
    /// field gone at zero), bounding what an account can owe at once. Same hash slot.
    /// </summary>
    public const string BackgroundHeld = "mr:{bg}:held";

    /// <summary>The account record.</summary>
    public static string Account(string account) => "mr:{a:" + account + "}:account";

    /// <summary>The account's usage outbox.</summary>
    public static string Outbox(string account) => "mr:{a:" + account + "}:outbox";

    /// <summary>The flusher's in-flight list for the account's outbox.</summary>
    public static string OutboxInflight(string account) => "mr:{a:" + account + "}:outbox:inflight";

    /// <summary>Daily spend hash (field <c>account</c>, and <c>k:&lt;key id&gt;</c> per key), UTC day.</summary>
    public static string DailySpend(string account, DateTimeOffset at) => "mr:{a:" + account + "}:spend:d:" + at.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Monthly spend hash, UTC calendar month.</summary>
    public static string MonthlySpend(string account, DateTimeOffset at) => "mr:{a:" + account + "}:spend:m:" + at.UtcDateTime.ToString("yyyyMM", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>GCRA state (theoretical arrival time, ms) of a per-minute limiter: the account's, or one key's when <paramref name="keyId"/> is given. <paramref name="unit"/> is <c>rpm</c> or <c>tpm</c>.</summary>
    public static string RateLimit(string account, string? keyId, string unit) =>
        keyId is null ? "mr:{a:" + account + "}:rl:" + unit : "mr:{a:" + account + "}:rl:k:" + keyId + ":" + unit;

    /// <summary>Marker that a usage event was settled (exists for a limited time), making replays idempotent.</summary>
    public static string Settled(string account, string eventId) => "mr:{a:" + account + "}:settled:" + eventId;

    /// <summary>Marker that the control plane credited payment <paramref name="paymentId"/> to the balance (<c>SET NX EX</c>, 30 days), making the credit idempotent.</summary>
    public static string PaymentCredited(string account, long paymentId) =>
        "mr:{a:" + account + "}:credited:" + paymentId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Requests admitted but not yet settled (hash: event id → settlement JSON to charge if the gateway dies, with the serving instance's id).</summary>
    public static string Inflight(string account) => "mr:{a:" + account + "}:inflight";

    /// <summary>SCAN pattern matching every account's in-flight hash.</summary>
    public const string InflightPattern = "mr:{a:*}:inflight";

    /// <summary>Set of the ids of gateway instances that may own in-flight records (each one adds itself with every heartbeat).</summary>
    public const string Gateways = "mr:gateways";

    /// <summary>A gateway instance's heartbeat (a string with a short TTL, refreshed while the instance lives).</summary>
    public static string GatewayAlive(string instance) => "mr:gateway:" + instance + ":alive";

    /// <summary>Claim of the gateway that settles a dead instance's in-flight records (<c>SET NX PX</c>), so one sweeps, not all.</summary>
    public static string GatewaySweep(string instance) => "mr:gateway:" + instance + ":sweep";

    /// <summary>Invalidation message for one key.</summary>
    public static string KeyChanged(string sha256Hex) => "key:" + sha256Hex;

    /// <summary>Invalidation message for one account.</summary>
    public static string AccountChanged(string account) => "account:" + account;

    /// <summary>Invalidation message for the catalog.</summary>
    public const string CatalogChanged = "catalog";

    /// <summary>Account id extracted from an outbox key (<c>mr:{a:ID}:outbox</c>), or null.</summary>
    public static string? AccountOfOutbox(string outboxKey)
    {
        const string Prefix = "mr:{a:";
        const string Suffix = "}:outbox";
        return outboxKey.StartsWith(Prefix, StringComparison.Ordinal) && outboxKey.EndsWith(Suffix, StringComparison.Ordinal)
            ? outboxKey[Prefix.Length..^Suffix.Length]
            : null;
    }
}
