using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Resilience;

/// <summary>
/// Graceful shutdown: once the host starts stopping, readiness turns false (see HealthApi), Kestrel stops accepting,
/// and in-flight streams may run on for <see cref="ResilienceOptions.DrainTimeout"/>; then <see cref="Token"/> fires and
/// every remaining stream ends with an error event and <c>[DONE]</c> instead of a cut connection.
/// </summary>
internal sealed class ShutdownDrain : IDisposable
{
    private readonly CancellationTokenSource _deadline = new();
    private readonly CancellationTokenRegistration _registration;

    public ShutdownDrain(IHostApplicationLifetime lifetime, IOptions<GatewayOptions> options)
    {
        var timeout = options.Value.Resilience.DrainTimeout;
        _registration = lifetime.ApplicationStopping.Register(() =>
        {
            IsDraining = true;
            _deadline.CancelAfter(timeout);
        });
    }

    /// <summary>True once shutdown has begun.</summary>
    public bool IsDraining { get; private set; }

    /// <summary>Fires when the drain timeout has passed.</summary>
    public CancellationToken Token => _deadline.Token;

    public void Dispose()
    {
        _registration.Dispose();
        _deadline.Dispose();
    }
}
