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
    private long _generation;
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

    public bool TryFindCached(KeyHash keyHash, out ApiKeyInfo? key)
    {
        key = _configured.Find(keyHash);
        if (key is not null)
        {
            return true;
        }

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

        return now < cached.NegativeUntil;
    }

    public ValueTask<ApiKeyInfo?> FindAsync(KeyHash keyHash, CancellationToken cancellationToken) =>
        TryFindCached(keyHash, out var key) ? ValueTask.FromResult(key) : new ValueTask<ApiKeyInfo?>(LoadAsync(keyHash));

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
        Interlocked.Increment(ref _generation);
        _cache.Clear();
        _negativeCount = 0;
    }

    private async Task<ApiKeyInfo?> LoadAsync(KeyHash keyHash)
    {
        var generation = Volatile.Read(ref _generation);
        var db = _redis.GetDatabase();
        var record = await db.HashGetAllAsync(RedisKeys.Key(keyHash.ToHex()));
        ApiKeyInfo? key = null;
        if (record.Length > 0 && KeyRecordParser.AccountOf(record) is { Length: > 0 } account)
        {
            var accountFields = await db.HashGetAsync(RedisKeys.Account(account), [AccountFields.Status, AccountFields.Paid]);
            key = KeyRecordParser.Parse(record, accountFields[0], accountFields[1]);
        }

        // An invalidation that raced with this load wins: the result is returned but not cached.
        if (Volatile.Read(ref _generation) == generation)
        {
            Store(keyHash, key);
        }

        return key is not null && !key.IsExpired(_time.GetUtcNow().ToUnixTimeMilliseconds()) ? key : null;
    }

    private void Store(KeyHash keyHash, ApiKeyInfo? key)
    {
        if (key is not null)
        {
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

        Interlocked.Increment(ref _generation);
        if (text.StartsWith("key:", StringComparison.Ordinal) && text.Length == 4 + 64)
        {
            try
            {
                _cache.TryRemove(KeyHash.FromHex(text[4..]), out _);
            }
            catch (FormatException)
            {
                // Not a key hash: nothing cached under it.
            }
        }
        else if (text.StartsWith("account:", StringComparison.Ordinal))
        {
            var account = text[8..];
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

    private async Task ResyncAsync()
    {
        try
        {
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis unavailable for key lookups: {Error}")]
    private partial void LogRedisDown(string error);

    private sealed record CachedKey(ApiKeyInfo? Key, long NegativeUntil);
}
