namespace MassRouter.ControlApi.Configuration;

/// <summary>The control plane's configuration, bound from the <c>ControlApi</c> section.</summary>
public sealed class ControlApiOptions
{
    public const string SectionName = "ControlApi";

    public DatabaseOptions Database { get; set; } = new();

    /// <summary>StackExchange.Redis configuration string of the Redis (or Garnet) the gateways read.</summary>
    public string Redis { get; set; } = "";

    public JwtOptions Jwt { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    /// <summary>How long a rotated key keeps working, unless the rotate request names its own grace.</summary>
    public TimeSpan KeyRotationGrace { get; set; } = TimeSpan.FromHours(24);

    public LedgerOptions Ledger { get; set; } = new();

    /// <summary>
    /// How often everything the gateways read is rewritten to Redis from the database, so a change made while Redis was
    /// unreachable (the database committed, the Redis write failed) still reaches every gateway. Zero turns it off.
    /// </summary>
    public TimeSpan RedisResyncInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a top-up may stay <c>pending</c> before the recovery (at start-up and with every Redis resync) takes
    /// its control API for dead and finishes the charge; until then a retry with its Idempotency-Key answers 409.
    /// </summary>
    public TimeSpan PendingPaymentGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a top-up, and the recovery re-driving one, wait for the payment provider to answer a charge; a charge
    /// given up on stays pending (the top-up answers 504; the provider answers the re-driven charge idempotently by
    /// payment id), so a hung provider cannot hold requests, stall the recovery, nor the Redis resync that runs it.
    /// </summary>
    public TimeSpan PaymentChargeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Directory of the Data Protection key ring; when empty the key ring is kept in the database.</summary>
    public string? DataProtectionKeysPath { get; set; }

    /// <summary>
    /// Base64 of at least 32 random bytes: the key ring's encryption key (through HKDF). Unset: derived from <c>MassRouter:CredentialKey</c>.
    /// Set it to the credential key's earlier value before changing that one.
    /// </summary>
    public string? KeyRingKey { get; set; }

    /// <summary>
    /// Web origins whose pages may call the control API from a browser (a dashboard served from its own origin), e.g.
    /// <c>https://admin.example.com</c>, <c>https://*.example.com</c> for its subdomains, or <c>*</c>. Empty (the default):
    /// none, browsers keep the API to pages of its own origin. Sessions are bearer tokens, never cookies, so no credentials
    /// are allowed.
    /// </summary>
    public List<string> CorsOrigins { get; set; } = [];

    /// <summary>
    /// Distributed tracing over OTLP when the control API runs on its own (off unless an endpoint is configured); embedded
    /// beside the gateway, the gateway's <c>MassRouter:Tracing</c> covers it.
    /// </summary>
    public MassRouter.Core.Telemetry.TracingOptions Tracing { get; set; } = new();

    /// <summary>Creates this platform admin at start-up when no admin exists yet (production bootstrap).</summary>
    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>Development seed data; honoured only when the environment is Development.</summary>
    public SeedOptions Seed { get; set; } = new();
}

/// <summary>Where the control plane keeps its data.</summary>
public sealed class DatabaseOptions
{
    /// <summary><c>postgres</c> or <c>sqlite</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    public string ConnectionString { get; set; } = "Data Source=massrouter.db";
}

/// <summary>Access tokens.</summary>
public sealed class JwtOptions
{
    public string Issuer { get; set; } = "massrouter";

    public string Audience { get; set; } = "massrouter-control";

    /// <summary>Base64 of at least 32 random bytes (HMAC-SHA256).</summary>
    public string SigningKey { get; set; } = "";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(30);
}

/// <summary>Passwords and brute-force protection.</summary>
public sealed class AuthOptions
{
    /// <summary>PBKDF2-SHA256 iterations for new password hashes (OWASP 2023: 600,000).</summary>
    public int PasswordIterations { get; set; } = 600_000;

    /// <summary>Login attempts allowed per client address and e-mail in <see cref="LoginWindow"/>.</summary>
    public int LoginAttempts { get; set; } = 10;

    /// <summary>Login attempts allowed per client address, whatever the e-mail, in <see cref="LoginWindow"/>.</summary>
    public int LoginAttemptsPerAddress { get; set; } = 100;

    public TimeSpan LoginWindow { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>The usage ledger flusher.</summary>
public sealed class LedgerOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Events moved and inserted per transaction.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Pause between passes when the outboxes are empty.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often every outbox is found by SCAN, in case an account's SADD was lost.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Lifetime of <c>mr:flusher:lock</c>; renewed on every pass.</summary>
    public TimeSpan LockTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// When the host stops, once every other service has stopped (in the embedded default: the gateway has drained its
    /// requests and settled them into Garnet), pass over the outboxes until they are empty. The embedded Garnet keeps
    /// nothing across a restart, so without this pass the usage of the last moments before a stop would be lost; with
    /// Redis it only moves usage into the ledger sooner.
    /// </summary>
    public bool FlushOnStop { get; set; } = true;
}

/// <summary>The first platform admin.</summary>
public sealed class BootstrapAdminOptions
{
    public string? Email { get; set; }

    public string? Password { get; set; }
}

/// <summary>Development seed data.</summary>
public sealed class SeedOptions
{
    /// <summary>Seed in Development (default true); never in any other environment.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Base URL (with <c>/v1</c>) of the provider simulator the seeded models route to.</summary>
    public string SimulatorBaseUrl { get; set; } = "http://localhost:8081/v1";
}
