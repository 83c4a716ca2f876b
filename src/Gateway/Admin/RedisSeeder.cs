using MassRouter.Core.Money;
using MassRouter.Gateway.Auth;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Admin;

/// <summary>Writes the <c>MassRouter:Seed</c> records to Redis at start-up.</summary>
internal sealed class RedisSeeder(IConnectionMultiplexer redis, IOptions<SeedOptions> options, ILogger<RedisSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var seed = options.Value;
        if (seed.Accounts.Count == 0 && seed.Keys.Count == 0)
        {
            return;
        }

        var db = redis.GetDatabase();
        foreach (var account in seed.Accounts)
        {
            var record = new AccountRecord(account.Id)
            {
                Status = account.Status,
                Rpm = account.Rpm,
                Tpm = account.Tpm,
                DailyCapNanos = Nanos.FromDollars(account.DailyCap),
                MonthlyCapNanos = Nanos.FromDollars(account.MonthlyCap),
                Paid = account.Paid,
            };
            await RecordWriter.WriteAccountAsync(db, record, Nanos.FromDollars(account.Balance));
        }

        foreach (var key in seed.Keys)
        {
            var hash = key.Key is { Length: > 0 } secret ? KeyHash.Of(secret) : KeyHash.FromHex(key.KeyHash ?? "");
            var record = new KeyRecord(key.Id ?? "key_" + hash.ToHex()[..12], key.Account)
            {
                Name = key.Name,
                Status = key.Status,
                ExpiresAt = key.ExpiresAt?.ToUnixTimeMilliseconds() ?? 0,
                Models = key.Models,
                Rpm = key.Rpm,
                Tpm = key.Tpm,
                MaxConcurrency = key.MaxConcurrency,
                DailyCapNanos = Nanos.FromDollars(key.DailyCap),
                MonthlyCapNanos = Nanos.FromDollars(key.MonthlyCap),
                EndUserDailyCapNanos = Nanos.FromDollars(key.EndUserDailyCap),
                EndUserMonthlyCapNanos = Nanos.FromDollars(key.EndUserMonthlyCap),
                EndUserRpm = key.EndUserRpm,
            };
            await RecordWriter.WriteKeyAsync(db, hash, record);
        }

        logger.LogInformation("Seeded {Accounts} account(s) and {Keys} key(s) into Redis", seed.Accounts.Count, seed.Keys.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
