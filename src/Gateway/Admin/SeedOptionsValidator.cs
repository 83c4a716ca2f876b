using System.Globalization;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Admin;

/// <summary>
/// Fails start-up with a message naming the seed setting that is wrong, instead of an overflow (or a negative cap or
/// balance silently written) when the records are converted to nano-dollars.
/// </summary>
internal sealed class SeedOptionsValidator : IValidateOptions<SeedOptions>
{
    /// <summary>The largest whole-dollar amount whose nano-dollars fit a <see cref="long"/> (about 9.2e9 USD).</summary>
    private const decimal MaxDollars = 9_223_372_036m;

    public ValidateOptionsResult Validate(string? name, SeedOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Accounts.Count; i++)
        {
            var account = options.Accounts[i];
            var prefix = Prefix("Accounts", i);
            if (string.IsNullOrWhiteSpace(account.Id))
            {
                failures.Add(prefix + "Id is required.");
            }

            CheckDollars(failures, prefix + "Balance", account.Balance);
            CheckDollars(failures, prefix + "DailyCap", account.DailyCap);
            CheckDollars(failures, prefix + "MonthlyCap", account.MonthlyCap);
            CheckCount(failures, prefix + "Rpm", account.Rpm);
            CheckCount(failures, prefix + "Tpm", account.Tpm);
        }

        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            var prefix = Prefix("Keys", i);
            if (string.IsNullOrEmpty(key.Key) && (key.KeyHash is not { Length: 64 } hash || !hash.All(char.IsAsciiHexDigit)))
            {
                failures.Add(prefix + "needs Key (the secret) or KeyHash (its SHA-256 as 64 hex digits).");
            }

            if (string.IsNullOrWhiteSpace(key.Account))
            {
                failures.Add(prefix + "Account is required.");
            }

            CheckDollars(failures, prefix + "DailyCap", key.DailyCap);
            CheckDollars(failures, prefix + "MonthlyCap", key.MonthlyCap);
            CheckDollars(failures, prefix + "EndUserDailyCap", key.EndUserDailyCap);
            CheckDollars(failures, prefix + "EndUserMonthlyCap", key.EndUserMonthlyCap);
            CheckCount(failures, prefix + "Rpm", key.Rpm);
            CheckCount(failures, prefix + "Tpm", key.Tpm);
            CheckCount(failures, prefix + "MaxConcurrency", key.MaxConcurrency);
            CheckCount(failures, prefix + "EndUserRpm", key.EndUserRpm);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string Prefix(string list, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{SeedOptions.SectionName}:{list}:{index}:");

    private static void CheckDollars(List<string> failures, string setting, decimal dollars)
    {
        if (dollars < 0)
        {
            failures.Add(setting + " must not be negative (0 means none for a cap).");
        }
        else if (dollars > MaxDollars)
        {
            failures.Add(string.Create(CultureInfo.InvariantCulture, $"{setting} is {dollars} USD; at most {MaxDollars} USD can be counted in nano-dollars."));
        }
    }

    private static void CheckCount(List<string> failures, string setting, long value)
    {
        if (value < 0)
        {
            failures.Add(setting + " must not be negative (0 means unlimited).");
        }
    }
}
