using System.Diagnostics;
using Polly;
using Polly.CircuitBreaker;

namespace MassRouter.Gateway.Resilience;

/// <summary>
/// What the router knows of one deployment: its circuit (a Polly.Core pipeline from the shared registry), requests in
/// flight, and a peak-EWMA of its time to first byte for least-latency balancing.
/// </summary>
internal sealed class DeploymentHealth
{
    private static readonly double DecayTicks = TimeSpan.FromSeconds(10).TotalSeconds * Stopwatch.Frequency;
    private readonly Lock _latencyLock = new();
    private double _latencySeconds;
    private long _latencyTimestamp;
    private int _inflight;
    private long _openUntil;
    private long _rateLimitRetryAfterTicks;

    public DeploymentHealth(string id) => Id = id;

    /// <summary><c>provider/upstream-model</c>: the registry key and the metrics label.</summary>
    public string Id { get; }

    /// <summary>Reads the circuit state without executing anything.</summary>
    public CircuitBreakerStateProvider Circuit { get; } = new();

    /// <summary>The breaker pipeline every attempt on this deployment runs through.</summary>
    public ResiliencePipeline<AttemptResult> Pipeline { get; set; } = ResiliencePipeline<AttemptResult>.Empty;

    /// <summary>
    /// False while the circuit is open: routing skips the deployment. Once the break has elapsed it is offered again:
    /// Polly moves the circuit to half-open on the next execution and lets exactly one probe through.
    /// </summary>
    public bool IsAvailable => Circuit.CircuitState switch
    {
        CircuitState.Closed or CircuitState.HalfOpen => true,
        CircuitState.Open => Stopwatch.GetTimestamp() >= Volatile.Read(ref _openUntil),
        _ => false,
    };

    /// <summary>
    /// How long until routing offers this deployment again: the rest of the break while its circuit is open, else zero
    /// (half-open: its probe decides within a request's time).
    /// </summary>
    public TimeSpan UntilAvailable
    {
        get
        {
            if (Circuit.CircuitState != CircuitState.Open)
            {
                return TimeSpan.Zero;
            }

            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Volatile.Read(ref _openUntil));
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Notes the latest failed attempt: a rate limit (429) with the wait its provider asked for, or any other failure
    /// (null). Read when that failure opens the circuit (<see cref="BreakFor"/>).
    /// </summary>
    public void FailedWith(TimeSpan? rateLimitRetryAfter) =>
        Volatile.Write(ref _rateLimitRetryAfterTicks, rateLimitRetryAfter is { Ticks: > 0 } wait ? wait.Ticks : 0);

    /// <summary>
    /// How long the circuit stays open: <paramref name="breakDuration"/>, or less when the failure that opened it was a
    /// rate limit whose provider said when to come back (an OpenAI key's per-minute limit resets in seconds; a
    /// deployment's whole break would turn it away for longer than its provider does).
    /// </summary>
    public TimeSpan BreakFor(TimeSpan breakDuration) =>
        Volatile.Read(ref _rateLimitRetryAfterTicks) is > 0 and var ticks && ticks < breakDuration.Ticks ? TimeSpan.FromTicks(ticks) : breakDuration;

    /// <summary>Called when the circuit opens, for <paramref name="breakDuration"/>.</summary>
    public void Opened(TimeSpan breakDuration) =>
        Volatile.Write(ref _openUntil, Stopwatch.GetTimestamp() + (long)(breakDuration.TotalSeconds * Stopwatch.Frequency));

    /// <summary>Expected wait for the first byte, weighted by load: the least-latency balancer's cost.</summary>
    public double Cost
    {
        get
        {
            double latency;
            lock (_latencyLock)
            {
                latency = _latencySeconds;
            }

            // Unmeasured deployments look fast, so they get traffic and a measurement.
            return (latency + 1e-4) * (Volatile.Read(ref _inflight) + 1);
        }
    }

    /// <summary>Smoothed time to first byte in seconds (0 until measured).</summary>
    public double Latency
    {
        get
        {
            lock (_latencyLock)
            {
                return _latencySeconds;
            }
        }
    }

    public void AttemptStarted() => Interlocked.Increment(ref _inflight);

    public void AttemptEnded() => Interlocked.Decrement(ref _inflight);

    /// <summary>Feeds one time-to-first-byte sample: peaks are taken at once, recoveries decay over ~10 s.</summary>
    public void ObserveFirstByte(TimeSpan elapsed)
    {
        var sample = elapsed.TotalSeconds;
        var now = Stopwatch.GetTimestamp();
        lock (_latencyLock)
        {
            if (_latencyTimestamp == 0 || sample > _latencySeconds)
            {
                _latencySeconds = sample;
            }
            else
            {
                var weight = Math.Exp(-(now - _latencyTimestamp) / DecayTicks);
                _latencySeconds = (_latencySeconds * weight) + (sample * (1 - weight));
            }

            _latencyTimestamp = now;
        }
    }
}
