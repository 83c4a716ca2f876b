using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Forwarding;
using MassRouter.Gateway.StoredResponses;
using MassRouter.Gateway.Telemetry;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Caching;

/// <summary>
/// The exact-match response cache, for requests that ask for it with <see cref="TtlHeader"/> on the OpenAI routes whose
/// answer is a function of the request (<c>/v1/chat/completions</c>, <c>/v1/embeddings</c>, <c>/v1/completions</c>,
/// <c>/v1/moderations</c>): an answer the client received whole and successful is kept, byte for byte, under the hash of
/// the account (never shared across accounts), the route and the request body as sent; the same request within the
/// time-to-live is answered from it without calling a provider, and is free. Hits still count against the key's rate
/// limits (they were admitted), and <c>Cache-Control: no-cache</c> on a request skips the lookup and caches its answer
/// afresh. Identical non-streaming requests arriving while one is being answered wait for its answer (single flight,
/// per instance) instead of each asking a provider. A model may be cached by default (<see cref="ModelOptions.CacheTtl"/>: embeddings, whose clients seldom can
/// add a header); a request's own header wins.
/// </summary>
internal sealed class ResponseCaching(IResponseCache store, IOptions<GatewayOptions> options, GatewayMetrics metrics, TimeProvider time)
{
    /// <summary>The request header that opts in: the time-to-live, in whole seconds.</summary>
    public const string TtlHeader = "x-massrouter-cache-ttl";

    /// <summary>The <c>provider</c> label of the requests the cache answered.</summary>
    public const string Provider = "cache";

    /// <summary>The response header saying what the cache did: <c>hit</c> or <c>miss</c>.</summary>
    public const string StatusHeader = "x-massrouter-cache";

    // A follower waits at most this long for the request it is coalesced with (a reasoning model's whole answer).
    private static readonly TimeSpan CoalescedWait = TimeSpan.FromMinutes(10);

    private readonly ResponseCacheOptions _options = options.Value.Cache;

    // Non-streaming misses being answered, by key: an identical request meanwhile waits for that answer instead of asking
    // a provider again (single flight, per instance).
    private readonly ConcurrentDictionary<string, TaskCompletionSource<CachedResponse?>> _inFlight = new(StringComparer.Ordinal);

    /// <summary>
    /// What the request asks of the cache: null when nothing (no header, caching off, or a route it does not serve);
    /// false with <paramref name="error"/> when the header is not a time-to-live.
    /// </summary>
    public bool TryRead(HttpContext context, ApiKeyInfo key, ClientApi api, ReadOnlySpan<byte> body, bool stream, TimeSpan? modelTtl, out CacheRequest? request, out string? error)
    {
        request = null;
        error = null;
        if (!_options.Enabled)
        {
            return true;
        }

        TimeSpan ttl;
        if (context.Request.Headers.TryGetValue(TtlHeader, out var header))
        {
            if (!int.TryParse(header.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
            {
                error = $"The {TtlHeader} header must be a whole number of seconds above 0, not '{header}'.";
                return false;
            }

            ttl = TimeSpan.FromSeconds(seconds);
        }
        else if (modelTtl is { } configured && configured > TimeSpan.Zero)
        {
            ttl = configured;
        }
        else
        {
            return true;
        }

        if (api is not (ClientApi.ChatCompletions or ClientApi.Embeddings or ClientApi.Completions or ClientApi.Moderations))
        {
            return true;
        }

        request = new CacheRequest(
            KeyOf(StoredResponseHolder.OwnerOf(key), api, body),
            ttl > _options.MaxTtl ? _options.MaxTtl : ttl,
            Refresh: context.Request.Headers.CacheControl.ToString().Contains("no-cache", StringComparison.OrdinalIgnoreCase),
            Stream: stream);
        return true;
    }

    /// <summary>Answers the request from the cache when it holds its answer, and returns that entry; null (a miss, counted) when not.</summary>
    public async ValueTask<CachedResponse?> TryServeAsync(HttpContext context, CacheRequest request, string model)
    {
        var cached = request.Refresh ? null : await store.GetAsync(request.Key, context.RequestAborted);
        if (cached is null && !request.Refresh && !request.Stream)
        {
            // A stream is not held back for another's whole answer; any other request is, when one like it is under way.
            var mine = new TaskCompletionSource<CachedResponse?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var leader = _inFlight.GetOrAdd(request.Key, mine);
            if (ReferenceEquals(leader, mine))
            {
                request.Leader = mine;
            }
            else
            {
                try
                {
                    cached = await leader.Task.WaitAsync(CoalescedWait, context.RequestAborted);
                }
                catch (TimeoutException)
                {
                }
            }
        }

        if (cached is null)
        {
            metrics.CacheLookup(model, hit: false);
            context.Response.Headers[StatusHeader] = "miss";
            return null;
        }

        metrics.CacheLookup(model, hit: true);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = cached.ContentType;
        response.ContentLength = cached.Body.Length;
        response.Headers[StatusHeader] = "hit";
        response.Headers.Age = Math.Max(0, (time.GetUtcNow().ToUnixTimeMilliseconds() - cached.StoredAt) / 1000).ToString(CultureInfo.InvariantCulture);
        response.Headers["x-massrouter-provider"] = cached.Provider;
        response.Headers["x-massrouter-model"] = cached.Model;
        await response.Body.WriteAsync(cached.Body, context.RequestAborted);
        return cached;
    }

    /// <summary>Starts keeping what the client is sent (up to <see cref="ResponseCacheOptions.MaxEntryBytes"/>).</summary>
    public CapturedBody BeginCapture(HttpContext context) => CapturedBody.Install(context, _options.MaxEntryBytes);

    /// <summary>
    /// Ends the capture; caches the answer when <paramref name="whole"/> (a successful answer the client received to its
    /// end) and it fit.
    /// </summary>
    /// <param name="usage">The answer's usage (prompt and completion tokens), kept for the hits' usage events.</param>
    public async ValueTask FinishAsync(HttpContext context, CapturedBody capture, CacheRequest request, bool whole, string provider, string model, (long Prompt, long Completion) usage = default)
    {
        CachedResponse? stored = null;
        try
        {
            stored = await KeepAsync(context, capture, request, whole, provider, model, usage);
        }
        finally
        {
            if (request.Leader is { } leader)
            {
                // The requests waiting for this one get its answer, or (none kept) ask a provider themselves: whatever
                // happened here, none of them is left waiting.
                _inFlight.TryRemove(new KeyValuePair<string, TaskCompletionSource<CachedResponse?>>(request.Key, leader));
                leader.TrySetResult(stored);
            }
        }
    }

    /// <summary>Puts the response's own body back, and caches the answer when whole; returns what was cached.</summary>
    private async ValueTask<CachedResponse?> KeepAsync(
        HttpContext context, CapturedBody capture, CacheRequest request, bool whole, string provider, string model, (long Prompt, long Completion) usage)
    {
        using var body = capture;

        // The client that left has not received what the copy holds: nothing to keep.
        whole &= await body.EndAsync();
        if (!whole || context.Response.StatusCode != StatusCodes.Status200OK || context.RequestAborted.IsCancellationRequested
            || body.Kept is not { } kept)
        {
            return null;
        }

        var stored = new CachedResponse(
            context.Response.ContentType ?? "application/json", provider, model, time.GetUtcNow().ToUnixTimeMilliseconds(), kept.ToArray(), usage.Prompt, usage.Completion);
        store.Store(request.Key, stored, request.Ttl);
        metrics.CacheStored(model);
        return stored;
    }

    /// <summary>The cache key: a hash of who asks (their cached answers are theirs alone), on which route, for which body.</summary>
    internal static string KeyOf(string owner, ClientApi api, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes("v1\n" + owner + "\n" + GatewayMetrics.ApiLabels[(int)api] + "\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>A request's use of the cache.</summary>
    /// <param name="Refresh">Skip the lookup (<c>Cache-Control: no-cache</c>), and cache the answer afresh.</param>
    /// <param name="Stream">A streamed request: never held back for an identical one's whole answer.</param>
    internal sealed record CacheRequest(string Key, TimeSpan Ttl, bool Refresh, bool Stream = false)
    {
        /// <summary>Set when this request's answer is awaited by identical ones that came while it was under way.</summary>
        public TaskCompletionSource<CachedResponse?>? Leader { get; set; }
    }
}
