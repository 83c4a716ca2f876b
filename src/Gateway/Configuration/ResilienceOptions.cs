namespace MassRouter.Gateway.Configuration;

/// <summary>Retries, fallbacks, circuit breakers and shutdown draining (<c>MassRouter:Resilience</c>).</summary>
public sealed class ResilienceOptions
{
    /// <summary>Most upstream attempts for one request, the first included.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Retries allowed as a share of requests (0.1: at most ~10% extra load on the providers).</summary>
    public double RetryBudgetRatio { get; set; } = 0.1;

    /// <summary>Retries the budget holds when traffic is low, so a quiet gateway can still retry.</summary>
    public int RetryBudgetReserve { get; set; } = 10;

    /// <summary>First backoff before retrying the same deployment; doubles per attempt, with full jitter.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest backoff, and the longest <c>retry-after</c> honoured before giving up on a deployment.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Per-deployment circuit breaker.</summary>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>
    /// On shutdown, before the drain: how long the gateway keeps listening and serving normally while <c>/readyz</c>
    /// answers 503, so load balancers and Kubernetes stop routing to it before it stops accepting. 0 (the default): the
    /// listener closes as soon as shutdown begins.
    /// </summary>
    public TimeSpan ShutdownDelay { get; set; } = TimeSpan.Zero;

    /// <summary>On shutdown, once the listener has closed: how long in-flight streams may run on before they are ended with an error event.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>When a deployment's circuit opens, and for how long.</summary>
public sealed class CircuitBreakerOptions
{
    /// <summary>Failure share within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Fewest attempts in the window before the ratio counts.</summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Window over which failures are counted.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before one probe request may go through.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
