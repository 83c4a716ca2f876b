using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Storage;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Seed;

/// <summary>
/// Runs before the host serves requests (hosted services start before the server): migrations, the bootstrap admin,
/// development seed data (Development only), then a full resync of what the gateways read from Redis.
/// </summary>
internal sealed class ControlApiStartup(IServiceProvider services, SqlDialect dialect, IHostEnvironment environment, IOptions<ControlApiOptions> options, ILogger<ControlApiStartup> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        DatabaseMigrator.Migrate(dialect, logger);
        var settings = options.Value;
        var users = services.GetRequiredService<UserRepository>();
        if (settings.BootstrapAdmin.Email is { Length: > 0 } email && !await users.AnyAdminAsync())
        {
            var hasher = services.GetRequiredService<PasswordHasher>();
            var time = services.GetRequiredService<TimeProvider>();
            await users.CreateAsync(AuthApi.NormalizeEmail(email), hasher.Hash(settings.BootstrapAdmin.Password!), "Administrator", Roles.Admin, time.GetUtcNow().ToUnixTimeMilliseconds());
            logger.LogInformation("Created the bootstrap platform admin {Email}", email);
        }

        if (environment.IsDevelopment() && settings.Seed.Enabled)
        {
            await services.GetRequiredService<DevelopmentSeeder>().SeedAsync();
        }

        await services.GetRequiredService<RedisResync>().RunAsync();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
