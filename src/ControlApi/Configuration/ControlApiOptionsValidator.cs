using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Configuration;

/// <summary>Fails start-up with a message naming the setting that is wrong.</summary>
internal sealed class ControlApiOptionsValidator : IValidateOptions<ControlApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlApiOptions options)
    {
        var failures = new List<string>();
        const string P = ControlApiOptions.SectionName;
        options.Tracing.Validate(P + ":Tracing", failures);
        if (options.Database.Provider is not ("postgres" or "sqlite"))
        {
            failures.Add($"{P}:Database:Provider '{options.Database.Provider}' must be 'postgres' or 'sqlite'.");
        }

        if (string.IsNullOrWhiteSpace(options.Database.ConnectionString))
        {
            failures.Add($"{P}:Database:ConnectionString is required.");
        }

        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            failures.Add($"{P}:Redis (a StackExchange.Redis configuration string) is required.");
        }

        if (!IsBase64OfAtLeast(options.Jwt.SigningKey, 32))
        {
            failures.Add($"{P}:Jwt:SigningKey must be base64 of at least 32 random bytes.");
        }

        if (!string.IsNullOrEmpty(options.KeyRingKey) && !IsBase64OfAtLeast(options.KeyRingKey, 32))
        {
            failures.Add($"{P}:KeyRingKey must be base64 of at least 32 random bytes (or unset: derived from MassRouter:CredentialKey).");
        }

        if (options.Jwt.AccessTokenLifetime <= TimeSpan.Zero || options.Jwt.RefreshTokenLifetime <= options.Jwt.AccessTokenLifetime)
        {
            failures.Add($"{P}:Jwt: AccessTokenLifetime must be positive and shorter than RefreshTokenLifetime.");
        }

        if (options.Auth.PasswordIterations < 1_000)
        {
            failures.Add($"{P}:Auth:PasswordIterations must be at least 1000.");
        }

        if (options.Auth.LoginAttempts <= 0 || options.Auth.LoginAttemptsPerAddress <= 0 || options.Auth.LoginWindow <= TimeSpan.Zero)
        {
            failures.Add($"{P}:Auth: LoginAttempts, LoginAttemptsPerAddress and LoginWindow must be positive.");
        }

        foreach (var origin in options.CorsOrigins)
        {
            if (!MassRouter.Core.Security.BrowserOrigins.IsValidSetting(origin))
            {
                failures.Add(MassRouter.Core.Security.BrowserOrigins.Invalid($"{P}:CorsOrigins", origin));
            }
        }

        if (options.KeyRotationGrace < TimeSpan.Zero)
        {
            failures.Add($"{P}:KeyRotationGrace must not be negative.");
        }

        // Below a second a live request could lose its own charge to the recovery (harmless, only wasteful); above a
        // day a real provider may have forgotten the payment id its idempotent re-charge relies on (Stripe keeps 24 h).
        if (options.PendingPaymentGrace < TimeSpan.FromSeconds(1) || options.PendingPaymentGrace > TimeSpan.FromDays(1))
        {
            failures.Add($"{P}:PendingPaymentGrace must be between 00:00:01 and 1.00:00:00.");
        }

        if (options.PaymentChargeTimeout <= TimeSpan.Zero || options.PaymentChargeTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{P}:PaymentChargeTimeout must be positive and at most 00:10:00.");
        }

        if (options.Ledger.BatchSize is <= 0 or > 10_000 || options.Ledger.PollInterval <= TimeSpan.Zero
            || options.Ledger.ScanInterval <= TimeSpan.Zero || options.Ledger.LockTtl < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{P}:Ledger: BatchSize must be 1..10000, PollInterval and ScanInterval positive, LockTtl at least 1 s.");
        }

        if (string.IsNullOrEmpty(options.BootstrapAdmin.Email) != string.IsNullOrEmpty(options.BootstrapAdmin.Password))
        {
            failures.Add($"{P}:BootstrapAdmin needs both Email and Password.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsBase64OfAtLeast(string? value, int bytes)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written >= bytes;
    }
}
