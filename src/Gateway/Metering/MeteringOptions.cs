namespace MassRouter.Gateway.Metering;

/// <summary>Keys, limits and usage metering on Redis, bound from <c>MassRouter:Metering</c>.</summary>
public sealed class MeteringOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "MassRouter:Metering";

    /// <summary>The Redis connection string (StackExchange.Redis syntax); empty starts an embedded Garnet.</summary>
    public const string RedisConnectionKey = "MassRouter:Redis";

    /// <summary>
    /// True when this configuration runs an embedded Garnet in the process: metering on and no Redis connection
    /// configured. The one place that decides it (start-up, inline I/O and the embedded control API all ask).
    /// </summary>
    public static bool UsesEmbeddedGarnet(IConfiguration configuration) =>
        string.IsNullOrWhiteSpace(configuration[RedisConnectionKey]) && IsEnabled(configuration);

    /// <summary>True when metering is on, i.e. the gateway runs on Redis (external or embedded).</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetValue<bool?>($"{SectionName}:{nameof(Enabled)}") != false;

    /// <summary>Off: no Redis at all; only configured (unmetered) keys work.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Unauthenticated and failed-auth requests allowed per client IP per minute.</summary>
    public int UnauthenticatedRequestsPerMinute { get; set; } = 100;

    /// <summary>What admission does when Redis cannot be reached.</summary>
    public AdmissionFailurePolicy WhenRedisDown { get; set; } = AdmissionFailurePolicy.ClosedForPaid;

    /// <summary>Append-only file for usage events that could not be settled; relative paths are under the content root.</summary>
    public string SpoolPath { get; set; } = "data/usage-spool.jsonl";

    /// <summary>
    /// File the o200k_base vocabulary (token counts for streams whose usage never arrived and the token-count estimates) is
    /// mapped from: written from the data package at the first start (~4.1 MiB), then shared by every gateway process on
    /// the machine, no managed heap, pages read in as lookups touch them. Relative paths are under the content root.
    /// Empty, or a file that cannot be written: the vocabulary is kept on the managed heap instead.
    /// </summary>
    public string VocabularyPath { get; set; } = "data/o200k_base.vocab";

    /// <summary>
    /// Directory of the settlement journal (final settlements written before they are queued, so a killed process
    /// loses none; replayed on the next start). Empty: next to the spool, <c>&lt;spool path without extension&gt;.journal</c>.
    /// One gateway process per directory.
    /// </summary>
    public string JournalPath { get; set; } = "";

    /// <summary>How often the spool is retried while it holds events.</summary>
    public TimeSpan SpoolReplayInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long Redis remembers the id of a settled event that had no in-flight record (admitted while Redis was
    /// unreachable) or that the sweep charged, so a replay cannot charge it twice. A request admitted through Redis needs
    /// no such marker: removing its in-flight record is its claim, so it leaves nothing behind once settled.
    /// </summary>
    public TimeSpan SettledMarkerTtl { get; set; } = TimeSpan.FromHours(48);

    /// <summary>
    /// How long a settlement that would go to Redis alone waits for company while other requests are in flight (zero:
    /// at once; a lone request's settlement never waits). Nobody waits on it: it is in the journal before it is queued,
    /// so a kill meanwhile loses nothing. It goes with the next command the request pipeline writes (an admission, most
    /// often: no send of its own, one read for both answers), with the first settlement after the linger, or, when
    /// nothing else comes, about twice the linger after it began to wait (the pipeline's wake-up timer; up to 8 times
    /// that while a steady load ends every linger before the timer does, so the timer does not fire every few
    /// milliseconds for nothing). Balances and
    /// spend counters in Redis trail the responses by that much. 2 ms: in wrk A/Bs redis-server's CPU per request fell
    /// ~18% and the gateway's sends per request from ~3.7 to ~2.7 with c=1 latency unchanged; on the board the metered
    /// throughput at the 10 ms bound was 0.66× YARP against 0.52× without it, back to back (docs/benchmarks.md).
    /// </summary>
    public TimeSpan SettlementLinger { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How long an optimistic admission (see <see cref="OptimisticAdmission"/>: the request is already on its way to the
    /// provider) waits for company while other requests are in flight, like <see cref="SettlementLinger"/>: it goes with
    /// the next command the pipeline writes, with the first admission after the linger, with a waited admission, or about
    /// twice the linger after it began to wait (up to 8 times that under a steady load, as for <see cref="SettlementLinger"/>). A lone request's admission and an admission the request waits for never
    /// linger. Redis sees the request's reservation that much later (the request's settlement waits for the admission's
    /// answer). 2 ms: at 64 in flight on the 20 ms mock, redis-server's CPU per request fell by 25–35% (batches of ~8
    /// admissions instead of ~2), with concurrency 1 unchanged (docs/benchmarks.md).
    /// </summary>
    public TimeSpan AdmissionLinger { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Backstop for the heartbeat-based sweep: an in-flight record without a sign of life (admission or a progress
    /// refresh) for this long is taken for lost with its gateway and charged what it records (prompt estimate plus the
    /// output delivered so far) as <c>aborted</c>. Must exceed the longest silence of a request (time to first token).
    /// </summary>
    public TimeSpan AbandonedAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a gateway runs the <see cref="AbandonedAfter"/> backstop sweep (a SCAN of every in-flight hash).</summary>
    public TimeSpan AbandonedSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often this instance refreshes its heartbeat key.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The heartbeat key's TTL: an instance silent this long is gone; a live instance that has seen it gone for this long
    /// again settles its in-flight requests. Must exceed <see cref="HeartbeatInterval"/> comfortably (a Redis hiccup).
    /// </summary>
    public TimeSpan HeartbeatTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often each instance checks the other instances' heartbeats (a cheap check; a SCAN only when one died).</summary>
    public TimeSpan DeadGatewaySweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How soon a gateway first asks a provider how a background response (<c>background: true</c>) stands, to bill it
    /// once finished; later checks back off to a tenth of the response's age, at most <see cref="BackgroundPollMax"/>.
    /// Every instance polls; each response is checked by one at a time. While no instance holds a charge, an instance
    /// asks Redis only once per <see cref="BackgroundPollMax"/> (at once again when it holds one itself).
    /// </summary>
    public TimeSpan BackgroundPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two checks of an unfinished background response.</summary>
    public TimeSpan BackgroundPollMax { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a background response may stay unfinished (or unreadable) before it is billed its prompt estimate and
    /// no longer checked.
    /// </summary>
    public TimeSpan BackgroundMaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// How many background responses an account may have in progress at once (0: any number). A background response is
    /// billed once its provider has finished it, so without a bound an account with a little credit could start any
    /// number of long jobs; with one, what it can owe beyond its balance is at most this many responses' cost.
    /// </summary>
    public int MaxBackgroundResponses { get; set; } = 16;

    /// <summary>How often a long stream refreshes its in-flight record with the output delivered so far.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Safety-net reload of every cached key (pub/sub invalidation is the primary path).</summary>
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an unknown key is remembered as unknown.</summary>
    public TimeSpan NegativeCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of one Redis call; admission and settlement treat a timeout as Redis being down.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Send the admission and settlement scripts on a dedicated connection whose replies complete the request on the
    /// I/O thread that read them, instead of through StackExchange.Redis (which completes on the thread pool). Used
    /// only with a single plain-TCP standalone server; off, or otherwise, the multiplexer carries them.
    /// </summary>
    public bool RequestPipeline { get; set; } = true;

    /// <summary>
    /// Admit a request without waiting for Redis while Redis's last answer for its key (younger than
    /// <see cref="OptimisticMaxAge"/>) leaves plenty of room: at least a quarter of each RPM/TPM limit and 100 requests'
    /// worth after the requests already admitted this way, a balance and spend-cap room of at least
    /// <see cref="OptimisticMinBalance"/>. The admission script is still sent before the request is forwarded and
    /// counts it; a refusal makes the key's next requests wait again. Near any limit, admission waits for Redis, so
    /// small limits and balances stay exact. Needs the request pipeline. On by default since admissions are batched:
    /// it takes the Redis round trip off each request's latency (about 120 µs at concurrency 1 here) and the wait for
    /// the batch ahead off a burst, which quadrupled the throughput at the 10 ms bound (docs/benchmarks.md). Off, every
    /// metered request waits for Redis's verdict.
    /// </summary>
    public bool OptimisticAdmission { get; set; } = true;

    /// <summary>The least balance (and room under a spend cap), in dollars, for a request to be admitted without waiting.</summary>
    public decimal OptimisticMinBalance { get; set; } = 1m;

    /// <summary>How old Redis's last answer for a key may be for a request to be admitted without waiting.</summary>
    public TimeSpan OptimisticMaxAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Memory budget of the embedded Garnet (Garnet size syntax): its log pages and the heap of its lists and hashes.
    /// Pages are allocated as the log grows, so the budget is a ceiling, not a reservation (idle and under load the
    /// process is the same size at 64m and 2g). Past it Garnet drops its oldest records, balances included, so it is
    /// set high, as Redis has no limit unless given one; <see cref="Redis.EmbeddedGarnetWatch"/> warns at half of it.
    /// </summary>
    public string EmbeddedMemory { get; set; } = "2g";

    /// <summary>Prices per public model id (USD per million tokens); models without one are free.</summary>
    public Dictionary<string, PriceOptions> Prices { get; set; } = new(StringComparer.Ordinal);
}
