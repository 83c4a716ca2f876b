using MassRouter.Gateway.Admin;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>Registers keys, limits and metering: Redis (or an embedded Garnet), the key store, admission and settlement.</summary>
internal static class MeteringServices
{
    /// <summary>Redis call timeout with the embedded Garnet unless configured (see <see cref="MeteringOptions.RedisTimeout"/>).</summary>
    public static readonly TimeSpan EmbeddedRedisTimeout = TimeSpan.FromSeconds(5);

    public static WebApplicationBuilder AddMetering(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.AddOptions<MeteringOptions>().Bind(configuration.GetSection(MeteringOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<MeteringOptions>, MeteringOptionsValidator>();
        services.AddOptions<SeedOptions>().Bind(configuration.GetSection(SeedOptions.SectionName));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ClientIpLimiter>();
        services.AddSingleton<ConfiguredApiKeyStore>();
        services.AddSingleton(sp =>
        {
            var path = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MeteringOptions>>().Value.VocabularyPath;
            return new TokenCounter(
                string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path, sp.GetRequiredService<IHostEnvironment>().ContentRootPath),
                sp.GetRequiredService<ILogger<TokenCounter>>());
        });
        services.AddSingleton<InputTokenEstimator>();
        services.AddSingleton<KeyConcurrencyLimiter>();
        services.AddSingleton<LocalFallbackLimiter>();
        services.AddSingleton<PriceTable>();

        var options = configuration.GetSection(MeteringOptions.SectionName).Get<MeteringOptions>() ?? new MeteringOptions();
        if (!options.Enabled)
        {
            services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<ConfiguredApiKeyStore>());
            services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RequestMeter>(sp));
            return builder;
        }

        AddRedisMetering(services, configuration, options);
        return builder;
    }

    /// <summary>
    /// The Redis side of metering, in a method of its own: compiling it loads StackExchange.Redis (its types are named
    /// here), which a gateway with metering off never needs (~1 MiB resident).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void AddRedisMetering(IServiceCollection services, IConfiguration configuration, MeteringOptions options)
    {
        // Seed records are written only with metering on: only then is a bad one worth stopping start-up for.
        services.AddOptions<SeedOptions>().ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<SeedOptions>, SeedOptionsValidator>();

        var connectionString = configuration[MeteringOptions.RedisConnectionKey];
        var timeout = options.RedisTimeout;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var garnet = EmbeddedGarnet.Start(options.EmbeddedMemory);
            // Registered through a factory so the container owns it and disposes it with the host.
            services.AddSingleton(_ => garnet);
            connectionString = garnet.ConnectionString;

            // Garnet drops its oldest records once its budget is full: the watch says so long before.
            services.AddSingleton(sp =>
            {
                var watch = ActivatorUtilities.CreateInstance<EmbeddedGarnetWatch>(sp);
                watch.RegisterMetrics(sp.GetRequiredService<Prometheus.CollectorRegistry>());
                return watch;
            });
            services.AddHostedService(sp => sp.GetRequiredService<EmbeddedGarnetWatch>());

            // The embedded control API shares this connection, and a payment already taken must not fail on a busy
            // machine's scheduling hiccup; an in-process Garnet is never "down" for a second without the whole process
            // being stalled. An explicit setting still wins.
            if (configuration[$"{MeteringOptions.SectionName}:{nameof(MeteringOptions.RedisTimeout)}"] is null)
            {
                timeout = EmbeddedRedisTimeout;
            }
        }

        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            // Resolving the embedded server (if any) here ties its lifetime to the host's.
            _ = sp.GetService<EmbeddedGarnet>();
            return RedisConnection.Connect(connectionString, timeout);
        });

        services.AddSingleton(sp =>
        {
            var pipeline = new RespPipeline(
                connectionString, timeout, options.RequestPipeline, sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<ILogger<RespPipeline>>());
            RespPipelineMetrics.Register(sp.GetRequiredService<Prometheus.CollectorRegistry>(), pipeline);
            return pipeline;
        });

        // Hosted services start in registration order: seed records first, then subscribe and serve.
        services.AddHostedService<RedisSeeder>();
        services.AddSingleton<RedisApiKeyStore>();
        services.AddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<RedisApiKeyStore>());
        services.AddHostedService(sp => sp.GetRequiredService<RedisApiKeyStore>());
        services.AddSingleton<RedisAdmission>();
        services.AddSingleton<MeteringMetrics>();
        services.AddSingleton<UsageSettler>();
        services.AddSingleton<GatewayInstance>();
        services.AddSingleton<AbandonedSweeper>();

        // The heartbeat starts before and stops after the settler (hosted services stop in reverse order), so the
        // instance stays alive to the others until its queue is drained.
        services.AddHostedService(sp => sp.GetRequiredService<GatewayInstance>());
        services.AddHostedService(sp => sp.GetRequiredService<UsageSettler>());
        services.AddHostedService(sp => sp.GetRequiredService<AbandonedSweeper>());
        services.AddSingleton<BackgroundCharges>();
        services.AddHostedService(sp => sp.GetRequiredService<BackgroundCharges>());
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<RequestMeter>(
            sp,
            sp.GetRequiredService<RedisAdmission>(),
            sp.GetRequiredService<UsageSettler>(),
            sp.GetRequiredService<GatewayInstance>(),
            sp.GetRequiredService<BackgroundCharges>()));
    }
}
