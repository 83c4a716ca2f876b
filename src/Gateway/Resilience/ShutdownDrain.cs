using System.Runtime.InteropServices;
using MassRouter.Gateway.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.Gateway.Resilience;

/// <summary>
/// Graceful shutdown: once the host starts stopping, readiness turns false (see HealthApi) while the listener stays open
/// and serves normally for <see cref="ResilienceOptions.ShutdownDelay"/>, so load balancers stop routing here first;
/// then Kestrel stops accepting, and in-flight streams may run on for <see cref="ResilienceOptions.DrainTimeout"/>;
/// then <see cref="Token"/> fires and every remaining stream ends with an error event and <c>[DONE]</c> instead of a cut
/// connection.
/// </summary>
/// <remarks>
/// The delay runs in <see cref="StoppingAsync"/>: the host calls every lifecycle service's <c>StoppingAsync</c> before any
/// <c>StopAsync</c>, and the web host's <c>StopAsync</c> is what stops Kestrel. An <c>ApplicationStopping</c> callback
/// cannot hold the listener open: it runs synchronously, on the thread that asked the host to stop.
/// </remarks>
internal sealed partial class ShutdownDrain : IHostedLifecycleService, IDisposable
{
    private readonly CancellationTokenSource _deadline = new();
    private readonly CancellationTokenRegistration _registration;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly TimeSpan _delay;
    private readonly TimeSpan _timeout;
    private readonly ILogger<ShutdownDrain> _logger;

    public ShutdownDrain(IHostApplicationLifetime lifetime, IOptions<GatewayOptions> options, ILogger<ShutdownDrain> logger)
    {
        _lifetime = lifetime;
        _delay = options.Value.Resilience.ShutdownDelay;
        _timeout = options.Value.Resilience.DrainTimeout;
        _logger = logger;
        _registration = lifetime.ApplicationStopping.Register(() => IsDraining = true);
    }

    /// <summary>True once shutdown has begun.</summary>
    public bool IsDraining { get; private set; }

    /// <summary>Fires when the drain timeout has passed.</summary>
    public CancellationToken Token => _deadline.Token;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_delay > TimeSpan.Zero)
        {
            // On SIGTERM ApplicationStopping has fired already; when StopAsync is called directly the host fires it only
            // after every StoppingAsync. Readiness must turn false now, not once the delay is over.
            _lifetime.StopApplication();
            await DelayAsync(cancellationToken);
        }

        _deadline.CancelAfter(_timeout);
    }

    /// <summary>Waits out the delay, cut short by the host's shutdown timeout or by a second SIGTERM or Ctrl-C.</summary>
    private async Task DelayAsync(CancellationToken cancellationToken)
    {
        using var cut = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = WhenSignalled(PosixSignal.SIGTERM, cut);
        using var sigint = WhenSignalled(PosixSignal.SIGINT, cut);
        LogDelaying(_delay);
        try
        {
            await Task.Delay(_delay, cut.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogDelayCut();
        }
    }

    /// <summary>
    /// The first signal was the host's (its console lifetime turned it into this stop); one arriving during the delay
    /// is an operator asking again. Null where the platform has no such signal.
    /// </summary>
    private static PosixSignalRegistration? WhenSignalled(PosixSignal signal, CancellationTokenSource cut)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context =>
            {
                // The host is stopping already; the default action (terminate at once) would skip the drain.
                context.Cancel = true;
                try
                {
                    cut.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The delay was over already.
                }
            });
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _registration.Dispose();
        _deadline.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: not ready, still serving for {Delay} before the listener closes")]
    private partial void LogDelaying(TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutdown delay cut short (stop requested again, or the shutdown timeout)")]
    private partial void LogDelayCut();
}
