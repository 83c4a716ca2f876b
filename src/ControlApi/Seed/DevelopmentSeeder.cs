using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Catalog;
using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Keys;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Seed;

/// <summary>
/// Development seed data, like the seed platform's test environment: an admin, sample users, the simulator provider
/// and its models, and a key with a balance. Runs only in Development, and only into an empty database.
/// </summary>
internal sealed class DevelopmentSeeder(
    UserRepository users, PasswordHasher hasher, KeyRepository keys, BillingRepository billing, CatalogRepository catalog, CredentialProtector credentials,
    IOptions<ControlApiOptions> options, TimeProvider time)
{
    public const string AdminEmail = "admin@massrouter.local";
    public const string AdminPassword = "admin-password";
    public const string UserPassword = "user-password";

    public async Task<bool> SeedAsync()
    {
        if (await users.FindByEmailAsync(AdminEmail) is not null)
        {
            return false;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var admin = await users.CreateAsync(AdminEmail, hasher.Hash(AdminPassword), "Admin", Roles.Admin, now);
        var alice = await users.CreateAsync("alice@example.com", hasher.Hash(UserPassword), "Alice", Roles.User, now);
        await users.CreateAsync("bob@example.com", hasher.Hash(UserPassword), "Bob", Roles.User, now);

        var simulator = await catalog.CreateProviderAsync(new ProviderRow
        {
            Name = "sim",
            Kind = "openai",
            BaseUrl = options.Value.Seed.SimulatorBaseUrl,
            CredentialProtected = credentials.Protect("sk-simulator-development"),
            Enabled = 1,
            CreatedAt = now,
            UpdatedAt = now,
        });
        foreach (var (id, name, input, output, cached) in new[]
        {
            ("sim/openai", "Simulated GPT (OpenAI wire format)", 0.15m, 0.60m, (decimal?)0.075m),
            ("sim/large", "Simulated large model", 2.50m, 10.00m, (decimal?)1.25m),
            ("sim/embedding", "Simulated embedding model (/v1/embeddings)", 0.02m, 0m, null),
        })
        {
            var model = await catalog.CreateModelAsync(new ModelRow
            {
                PublicId = id,
                DisplayName = name,
                ContextLength = 128_000,
                InputNanosPerMillion = Nanos.FromDollars(input),
                OutputNanosPerMillion = Nanos.FromDollars(output),
                CachedInputNanosPerMillion = cached is { } c ? Nanos.FromDollars(c) : null,
                Enabled = 1,
                CreatedAt = now,
                UpdatedAt = now,
            });
            await catalog.ReplaceRoutesAsync(model!.Id, [(simulator!.Id, id["sim/".Length..], 1)], now);
        }

        // The same variable the embedded gateway reads, so both agree on the developer's key.
        var secret = Environment.GetEnvironmentVariable("MASSROUTER_DEV_KEY") is { Length: > 0 } chosen ? chosen : KeySecret.New();
        var account = AccountId.User(alice!.Id);
        await keys.CreateAsync(new KeyRow
        {
            Account = account,
            CreatedBy = alice.Id,
            Name = "development",
            Prefix = KeySecret.DisplayPrefix(secret),
            KeyHash = KeySecret.Hash(secret),
            Status = RecordStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
        });
        await billing.AddAdjustmentAsync(account, 10 * Nanos.PerDollar, "development seed credit", admin!.Id, now);

        // Printed once to the console (never to a log sink), on purpose: seed data exists only on a developer's own machine.
        Console.WriteLine(
            $"MassRouter development seed: admin {AdminEmail} / {AdminPassword}; users alice@example.com and bob@example.com / {UserPassword}; alice's API key {secret} with $10.00");
        return true;
    }
}
