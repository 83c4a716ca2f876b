using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Metering;

/// <summary>Fails start-up with a message naming the metering setting that is wrong.</summary>
internal sealed class MeteringOptionsValidator : IValidateOptions<MeteringOptions>
{
    public ValidateOptionsResult Validate(string? name, MeteringOptions options)
    {
        const string Prefix = MeteringOptions.SectionName + ":";
        var failures = new List<string>();
        if (options.UnauthenticatedRequestsPerMinute <= 0)
        {
            failures.Add(Prefix + "UnauthenticatedRequestsPerMinute must be positive.");
        }

        if (string.IsNullOrWhiteSpace(options.SpoolPath))
        {
            failures.Add(Prefix + "SpoolPath is required (usage events are spooled there while Redis is unreachable).");
        }

        foreach (var (setting, value) in new[]
        {
            ("SpoolReplayInterval", options.SpoolReplayInterval),
            ("SettledMarkerTtl", options.SettledMarkerTtl),
            ("ResyncInterval", options.ResyncInterval),
            ("NegativeCacheTtl", options.NegativeCacheTtl),
            ("RedisTimeout", options.RedisTimeout),
            ("AbandonedAfter", options.AbandonedAfter),
            ("AbandonedSweepInterval", options.AbandonedSweepInterval),
            ("HeartbeatInterval", options.HeartbeatInterval),
            ("HeartbeatTtl", options.HeartbeatTtl),
            ("DeadGatewaySweepInterval", options.DeadGatewaySweepInterval),
            ("ProgressInterval", options.ProgressInterval),
            ("BackgroundPollInterval", options.BackgroundPollInterval),
            ("BackgroundPollMax", options.BackgroundPollMax),
            ("BackgroundMaxAge", options.BackgroundMaxAge),
            ("OptimisticMaxAge", options.OptimisticMaxAge),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                failures.Add($"{Prefix}{setting} must be positive.");
            }
        }

        if (options.SettlementLinger < TimeSpan.Zero || options.SettlementLinger > TimeSpan.FromMilliseconds(100))
        {
            failures.Add(Prefix + "SettlementLinger must be between 0 and 100 ms.");
        }

        if (options.AdmissionLinger < TimeSpan.Zero || options.AdmissionLinger > TimeSpan.FromMilliseconds(100))
        {
            failures.Add(Prefix + "AdmissionLinger must be between 0 and 100 ms.");
        }

        if (options.OptimisticMinBalance < 0 || options.OptimisticMinBalance > 1_000_000_000m)
        {
            failures.Add(Prefix + "OptimisticMinBalance must be between 0 and 1,000,000,000 dollars.");
        }

        if (options.HeartbeatTtl < options.HeartbeatInterval * 2)
        {
            failures.Add(Prefix + "HeartbeatTtl must be at least twice HeartbeatInterval (a live instance would be taken for dead).");
        }

        foreach (var (model, price) in options.Prices)
        {
            if (price.InputPerMillion < 0 || price.OutputPerMillion < 0 || price.CachedInputPerMillion < 0)
            {
                failures.Add($"{Prefix}Prices:{model} has a negative price.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
