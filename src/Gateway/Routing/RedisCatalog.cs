using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using MassRouter.Core.Catalog;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Core.Security;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Routing;

/// <summary>
/// Loads the control plane's catalog (<c>mr:catalog</c>, docs/redis-layout.md) into the routes and prices: at start,
/// on every <c>catalog</c> invalidation, and every <c>ResyncInterval</c> in case one was missed. Provider credentials
/// are opened with <c>MassRouter:CredentialKey</c>; a provider whose credential cannot be opened is left out.
/// </summary>
internal sealed partial class RedisCatalog(
    IConnectionMultiplexer redis,
    ModelCatalog catalog,
    PriceTable prices,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<MeteringOptions> meteringOptions,
    TimeProvider time,
    ILogger<RedisCatalog> logger) : IHostedService, IDisposable
{
    private static readonly IReadOnlyDictionary<string, string> EmptyHeaders = new Dictionary<string, string>();
    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private long _appliedVersion = -1;
    private Task? _resync;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.EventsChannel), (_, message) =>
            {
                if (message == RedisKeys.CatalogChanged)
                {
                    // ReloadAsync never throws; the handler runs on the subscriber's thread and must not wait.
                    Task.Run(ReloadAsync);
                }
            });
        }
        catch (RedisException ex)
        {
            // StackExchange.Redis re-subscribes on reconnect; the periodic resync covers the gap.
            LogRedisDown(ex.Message);
        }

        await ReloadAsync();
        _resync = ResyncLoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_resync is not null)
        {
            await _resync.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _reload.Dispose();
    }

    /// <summary>Reads <c>mr:catalog</c> and applies it when its version changed; never throws.</summary>
    public async Task ReloadAsync()
    {
        await _reload.WaitAsync();
        try
        {
            string? json = await redis.GetDatabase().StringGetAsync(RedisKeys.Catalog);
            var document = json is null ? new CatalogDocument() : JsonSerializer.Deserialize(json, CoreJson.Default.CatalogDocument) ?? new CatalogDocument();
            if (document.Version == _appliedVersion)
            {
                return;
            }

            Apply(document);
            _appliedVersion = document.Version;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or JsonException)
        {
            // The gateway keeps serving the catalog it has.
            LogReloadFailed(ex.GetType().Name, ex.Message);
        }
        finally
        {
            _reload.Release();
        }
    }

    private void Apply(CatalogDocument document)
    {
        var sealer = Sealer();
        var providers = new Dictionary<string, ProviderOptions>(StringComparer.OrdinalIgnoreCase);
        foreach (var provider in document.Providers.Where(p => p.Enabled))
        {
            string? credential = null;
            if (provider.Credential is { Length: > 0 } sealedCredential)
            {
                try
                {
                    credential = (sealer ?? throw new CryptographicException("MassRouter:CredentialKey is not configured.")).Open(sealedCredential);
                }
                catch (Exception ex) when (ex is CryptographicException or FormatException)
                {
                    LogCredentialUnreadable(provider.Name, ex.Message);
                    continue;
                }
            }

            providers[provider.Name] = ToOptions(provider, credential);
        }

        var models = document.Models.Select(ToOptions).ToList();
        var modelPrices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var model in document.Models)
        {
            modelPrices[model.Id] = new ModelPrice(
                ParsePrice(model.InputPerMillion),
                ParsePrice(model.OutputPerMillion),
                model.CachedInputPerMillion is { } cached ? ParsePrice(cached) : null);
        }

        // Prices first: a request routed by the new catalog must not be billed at a missing price.
        prices.Apply(modelPrices);
        catalog.Apply(providers, models);
        LogApplied(document.Version, providers.Count, models.Count);
    }

    private ProviderOptions ToOptions(CatalogProvider provider, string? credential)
    {
        // A setting outside what the control API accepts (a hand-written document) keeps the gateway's default.
        var options = new ProviderOptions
        {
            Kind = provider.Kind,
            Flavor = provider.Flavor,
            BaseUrl = provider.BaseUrl,
            ApiVersion = provider.ApiVersion,
            ApiKey = credential,
            Responses = provider.Responses,
        };
        options.ConnectTimeout = Valid(provider.ConnectTimeoutMs, ms => CatalogRules.IsTimeout(ms, CatalogRules.MaxConnectTimeoutMs), "connectTimeoutMs") is { } connect
            ? TimeSpan.FromMilliseconds(connect) : options.ConnectTimeout;
        options.ActivityTimeout = Valid(provider.ActivityTimeoutMs, ms => CatalogRules.IsTimeout(ms), "activityTimeoutMs") is { } activity
            ? TimeSpan.FromMilliseconds(activity) : options.ActivityTimeout;
        options.PooledConnectionIdleTimeout = Valid(provider.PooledConnectionIdleTimeoutMs, CatalogRules.IsIdleTimeout, "pooledConnectionIdleTimeoutMs") is { } pooled
            ? TimeSpan.FromMilliseconds(pooled) : options.PooledConnectionIdleTimeout;
        options.BurstConnectionIdleTimeout = Valid(provider.BurstConnectionIdleTimeoutMs, CatalogRules.IsIdleTimeout, "burstConnectionIdleTimeoutMs") is { } burst
            ? TimeSpan.FromMilliseconds(burst) : options.BurstConnectionIdleTimeout;
        options.MaxConnectionsPerServer = (int?)Valid(provider.MaxConnections, CatalogRules.IsConnectionCount, "maxConnections") ?? options.MaxConnectionsPerServer;
        options.WarmConnections = (int?)Valid(provider.WarmConnections, CatalogRules.IsConnectionCount, "warmConnections") ?? options.WarmConnections;
        if (provider.Headers is { Count: > CatalogRules.MaxHeaders })
        {
            LogSettingIgnored(provider.Name, "headers");
        }
        else
        {
            foreach (var (name, value) in provider.Headers ?? EmptyHeaders)
            {
                if (CatalogRules.HeaderProblem(name, value) is null)
                {
                    options.Headers[name] = value;
                }
                else
                {
                    LogSettingIgnored(provider.Name, "headers." + name);
                }
            }
        }

        return options;

        long? Valid(long? value, Func<long, bool> rule, string setting)
        {
            if (value is { } given && !rule(given))
            {
                LogSettingIgnored(provider.Name, setting);
                return null;
            }

            return value;
        }
    }

    private ModelOptions ToOptions(CatalogModel model)
    {
        var options = new ModelOptions
        {
            Id = model.Id,
            Deployments = [.. model.Deployments.Select(d => new DeploymentOptions { Provider = d.Provider, Model = d.Model, Weight = d.Weight })],
            FirstTokenTimeout = Timeout(model.FirstTokenTimeoutMs, "firstTokenTimeoutMs"),
            TotalTimeout = Timeout(model.TotalTimeoutMs, "totalTimeoutMs"),
        };
        if (model.LoadBalancing is { } policy)
        {
            if (CatalogRules.IsLoadBalancing(policy))
            {
                options.LoadBalancing = policy;
            }
            else
            {
                LogSettingIgnored(model.Id, "loadBalancing");
            }
        }

        return options;

        TimeSpan? Timeout(long? value, string setting)
        {
            if (value is { } ms && !CatalogRules.IsTimeout(ms))
            {
                LogSettingIgnored(model.Id, setting);
                return null;
            }

            return value is { } valid ? TimeSpan.FromMilliseconds(valid) : null;
        }
    }

    private CredentialSealer? Sealer()
    {
        var key = gatewayOptions.Value.CredentialKey;
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }

        try
        {
            return CredentialSealer.FromBase64(key);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            LogCredentialKeyInvalid();
            return null;
        }
    }

    private static decimal ParsePrice(string value) =>
        decimal.Parse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    private async Task ResyncLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(meteringOptions.Value.ResyncInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await ReloadAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unreachable while subscribing to catalog changes: {Reason}")]
    private partial void LogRedisDown(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not reload mr:catalog ({Error}: {Reason}); serving the catalog loaded before")]
    private partial void LogReloadFailed(string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Provider {Provider} from mr:catalog left out: its credential cannot be opened ({Reason}); check MassRouter:CredentialKey")]
    private partial void LogCredentialUnreadable(string provider, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Catalog entry {Name}: {Setting} is out of range and ignored (the gateway's default applies)")]
    private partial void LogSettingIgnored(string name, string setting);

    [LoggerMessage(Level = LogLevel.Error, Message = "MassRouter:CredentialKey must be base64 of exactly 32 bytes (the control plane's value)")]
    private partial void LogCredentialKeyInvalid();

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog version {Version} from Redis: {Providers} provider(s), {Models} model(s) merged over the configured catalog")]
    private partial void LogApplied(long version, int providers, int models);
}
