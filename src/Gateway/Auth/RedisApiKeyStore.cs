using System.Collections.Concurrent;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MassRouter.Gateway.Auth;

/// <summary>
/// Keys the control plane writes to Redis, cached in process by hash: the warm path is a dictionary hit. Misses load
/// the key record and its account's status; unknown keys are remembered briefly. Invalidations on <c>mr:events</c>
/// drop entries at once, and a periodic resync (plus a full flush after a reconnect) catches missed messages.
/// Configured keys are looked up first and never touch Redis.
/// </summary>
internal sealed partial class RedisApiKeyStore : IApiKeyStore, IHostedService, IDisposable
{
    private const int MaxNegativeEntries = 100_000;

    private readonly ConfiguredApiKeyStore _configured;
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisApiKeyStore> _logger;
    private readonly MeteringOptions _options;
    private readonly ConcurrentDictionary<KeyHash, CachedKey> _cache = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<KeyHash, long> _keyInvalidations = new();
    private readonly ConcurrentDictionary<string, long> _accountInvalidations = new(StringComparer.Ordinal);
    private long _sequence;
    private int _negativeCount;
    private Task? _resync;

    public RedisApiKeyStore(
        ConfiguredApiKeyStore configured,
        IConnectionMultiplexer redis,
        IOptions<MeteringOptions> options,
        TimeProvider time,
        ILogger<RedisApiKeyStore> logger)
    {
        _configured = configured;
        _redis = redis;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <remarks>
    /// A key in Redis wins over the same secret in configuration: a configured key is unmetered, and a customer's key
    /// (the development seed's, made from <c>MASSROUTER_DEV_KEY</c> like the configured development key) must be
    /// billed. So a configured key is served from configuration only once Redis has been asked (and is cached as
    /// absent there), or when Redis cannot answer.
    /// </remarks>
    public bool TryFindCached(KeyHash keyHash, out ApiKeyInfo? key)
    {
        key = null;
        if (!_cache.TryGetValue(keyHash, out var cached))
        {
            return false;
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (cached.Key is { } found)
        {
            key = found.IsExpired(now) ? null : found;
            return true;
        }

        if (now >= cached.NegativeUntil)
        {
            return false;
        }

        key = _configured.Find(keyHash);
        return true;
    }

    public ValueTask<ApiKeyInfo?> FindAsync(KeyHash keyHash, CancellationToken cancellationToken) =>
        TryFindCached(keyHash, out var key) ? ValueTask.FromResult(key) : new ValueTask<ApiKeyInfo?>(LoadOrConfiguredAsync(keyHash));

    private async Task<ApiKeyInfo?> LoadOrConfiguredAsync(KeyHash keyHash)
    {
        var configured = _configured.Find(keyHash);
        if (configured is null)
        {
            return await LoadAsync(keyHash);
        }

        try
        {
            return await LoadAsync(keyHash) ?? configured;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Configured keys never depended on Redis: they keep working while it is down.
            return configured;
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var subscriber = _redis.GetSubscriber();
        try
        {
            await subscriber.SubscribeAsync(RedisChannel.Literal(RedisKeys.EventsChannel), (_, message) => OnEvent(message));
        }
        catch (RedisException ex)
        {
            // Redis may be down at start; StackExchange.Redis re-subscribes on reconnect, and the flush below covers the gap.
            LogRedisDown(ex.Message);
        }

        _redis.ConnectionRestored += OnReconnected;
        _resync = ResyncLoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.ConnectionRestored -= OnReconnected;
        await _stopping.CancelAsync();
        if (_resync is not null)
        {
            await _resync.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Drops every cached key (when a flood of unknown keys fills the negative cache).</summary>
    private void Flush()
    {
        _cache.Clear();
        _negativeCount = 0;
    }

    private async Task<ApiKeyInfo?> LoadAsync(KeyHash keyHash)
    {
        var started = Interlocked.Read(ref _sequence);
        var db = _redis.GetDatabase();
        var record = await db.HashGetAllAsync(RedisKeys.Key(keyHash.ToHex()));
        ApiKeyInfo? key = null;
        var account = KeyRecordParser.AccountOf(record);
        if (record.Length > 0 && account is { Length: > 0 })
        {
            var accountFields = await db.HashGetAsync(RedisKeys.Account(account), KeyRecordParser.AccountFieldNames);
            key = KeyRecordParser.Parse(record, accountFields);
        }

        // An invalidation of this key or its account that raced with the load wins: the result is returned, not cached.
        if (!InvalidatedSince(_keyInvalidations, keyHash, started) && (account is null || !InvalidatedSince(_accountInvalidations, account, started)))
        {
            Store(keyHash, key);
        }

        return key is not null && !key.IsExpired(_time.GetUtcNow().ToUnixTimeMilliseconds()) ? key : null;
    }

    private void Store(KeyHash keyHash, ApiKeyInfo? key)
    {
        if (key is not null)
        {
            if (_cache.TryGetValue(keyHash, out var replaced) && replaced.Key is { } previous)
            {
                key.InheritObservations(previous);
            }

            _cache[keyHash] = new CachedKey(key, 0);
            return;
        }

        if (Interlocked.Increment(ref _negativeCount) > MaxNegativeEntries)
        {
            // A flood of distinct bad keys: forget them all rather than grow without bound.
            Flush();
        }

        var until = _time.GetUtcNow().Add(_options.NegativeCacheTtl).ToUnixTimeMilliseconds();
        _cache[keyHash] = new CachedKey(null, until);
    }

    private void OnEvent(RedisValue message)
    {
        var text = (string?)message;
        if (text is null)
        {
            return;
        }

        var sequence = Interlocked.Increment(ref _sequence);
        if (text.StartsWith("key:", StringComparison.Ordinal) && text.Length == 4 + 64)
        {
            try
            {
                var hash = KeyHash.FromHex(text[4..]);
                _keyInvalidations[hash] = sequence;
                _cache.TryRemove(hash, out _);
            }
            catch (FormatException)
            {
                // Not a key hash: nothing cached under it.
            }
        }
        else if (text.StartsWith("account:", StringComparison.Ordinal))
        {
            var account = text[8..];
            _accountInvalidations[account] = sequence;
            foreach (var (hash, cached) in _cache)
            {
                if (cached.Key is null || cached.Key.Account == account)
                {
                    _cache.TryRemove(hash, out _);
                }
            }
        }
    }

    private void OnReconnected(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            // Invalidations published while we were away are lost: reload everything now (in place, so keys keep
            // working from memory should Redis drop again).
            _ = ResyncAsync();
        }
    }

    private async Task ResyncLoopAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.ResyncInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await ResyncAsync();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Reloads every cached key in place (periodically, and after a reconnect: invalidations may have been missed).</summary>
    internal async Task ResyncAsync()
    {
        try
        {
            // Loads take far less than a resync interval: older invalidation stamps can no longer race with one.
            _keyInvalidations.Clear();
            _accountInvalidations.Clear();
            var hashes = new List<KeyHash>();
            foreach (var (hash, cached) in _cache)
            {
                if (cached.Key is null)
                {
                    _cache.TryRemove(hash, out _);
                }
                else
                {
                    hashes.Add(hash);
                }
            }

            _negativeCount = 0;
            foreach (var chunk in hashes.Chunk(256))
            {
                await Task.WhenAll(chunk.Select(LoadAsync));
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogRedisDown(ex.Message);
        }
    }

    private static bool InvalidatedSince<T>(ConcurrentDictionary<T, long> invalidations, T id, long sequence)
        where T : notnull => invalidations.TryGetValue(id, out var at) && at > sequence;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unavailable for key lookups: {Error}")]
    private partial void LogRedisDown(string error);

    private sealed record CachedKey(ApiKeyInfo? Key, long NegativeUntil);
}
