using System.Diagnostics;
using System.Net;
using MassRouter.Gateway.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace MassRouter.Gateway.Providers;

/// <summary>
/// A provider's connection pools: a warm one for the first <see cref="ProviderOptions.WarmConnections"/> requests in
/// flight, its idle connections kept for <see cref="ProviderOptions.PooledConnectionIdleTimeout"/>, and a burst one for
/// the requests beyond, its idle connections closed after <see cref="ProviderOptions.BurstConnectionIdleTimeout"/>.
/// </summary>
/// <remarks>
/// One pool would keep every connection a burst opened for the long timeout (it has no cap on idle connections), and a
/// short timeout would cost the usual load its warm TLS sessions. A request holds its pool from
/// <see cref="Acquire"/> until <see cref="Release"/>, after the forwarder has read the response to its end (the
/// connection is back in its pool by then), so the warm pool never needs more connections than its limit (HTTP/1.1).
/// A configured <see cref="ProviderOptions.MaxConnectionsPerServer"/> is shared between the two.
/// </remarks>
internal sealed class ProviderConnections : IDisposable
{
    private readonly HttpMessageInvoker _warm;
    private readonly HttpMessageInvoker? _burst;
    private readonly int _warmLimit;
    private int _warmInFlight;

    public ProviderConnections(ProviderOptions options)
    {
        _warmLimit = options.WarmConnections;
        var cap = options.MaxConnectionsPerServer;
        _warm = Create(options, options.PooledConnectionIdleTimeout, cap);

        // A cap at or under the warm limit leaves nothing for a burst pool: every request waits for a warm connection.
        if (cap > _warmLimit)
        {
            _burst = Create(options, options.BurstConnectionIdleTimeout, cap == int.MaxValue ? cap : cap - _warmLimit);
        }
    }

    /// <summary>Requests in flight on the warm pool.</summary>
    public int WarmInFlight => Volatile.Read(ref _warmInFlight);

    /// <summary>The pool for one request; give it back with <see cref="Release"/> once the response has been read.</summary>
    public HttpMessageInvoker Acquire()
    {
        if (_burst is null)
        {
            return _warm;
        }

        if (Interlocked.Increment(ref _warmInFlight) <= _warmLimit)
        {
            return _warm;
        }

        Interlocked.Decrement(ref _warmInFlight);
        return _burst;
    }

    /// <summary>True when <paramref name="invoker"/> is the burst pool.</summary>
    public bool IsBurst(HttpMessageInvoker invoker) => ReferenceEquals(invoker, _burst);

    /// <summary>Ends a request that <see cref="Acquire"/> gave <paramref name="invoker"/>.</summary>
    public void Release(HttpMessageInvoker invoker)
    {
        if (_burst is not null && ReferenceEquals(invoker, _warm))
        {
            Interlocked.Decrement(ref _warmInFlight);
        }
    }

    public void Dispose()
    {
        _warm.Dispose();
        _burst?.Dispose();
    }

    // The settings YARP recommends for forwarding: no proxy, no redirects, no decompression, no cookies.
    // Headers and body leave in one write (OneWriteRequestHandler).
    private static HttpMessageInvoker Create(ProviderOptions options, TimeSpan idleTimeout, int maxConnections) => new(
        new OneWriteRequestHandler(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = options.ConnectTimeout,
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionIdleTimeout = idleTimeout,
            // An answer let go of before its end (the client left) closes its connection at once: draining it for
            // reuse would keep the provider generating, and billing, for up to ResponseDrainTimeout (2 s).
            MaxResponseDrainSize = 0,
        }),
        disposeHandler: true);
}
