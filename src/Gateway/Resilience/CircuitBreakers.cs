using System.Collections.Concurrent;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;

namespace MassRouter.Gateway.Resilience;

/// <summary>One circuit breaker per deployment, kept in Polly.Core's <see cref="ResiliencePipelineRegistry{TKey}"/>.</summary>
internal sealed class CircuitBreakers : IDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new();
    private readonly ConcurrentDictionary<string, DeploymentHealth> _health = new(StringComparer.Ordinal);
    private readonly CircuitBreakerOptions _options;
    private readonly GatewayMetrics _metrics;

    public CircuitBreakers(IOptions<GatewayOptions> options, GatewayMetrics metrics)
    {
        _options = options.Value.Resilience.CircuitBreaker;
        _metrics = metrics;
    }

    /// <summary>The health of deployment <paramref name="id"/> (<c>provider/upstream-model</c>); shared by every model routed to it.</summary>
    public DeploymentHealth For(string id) => _health.GetOrAdd(id, Create);

    private DeploymentHealth Create(string id)
    {
        var health = new DeploymentHealth(id);
        health.Pipeline = _registry.GetOrAddPipeline<AttemptResult>(id, builder => builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
        {
            FailureRatio = _options.FailureRatio,
            MinimumThroughput = Math.Max(2, _options.MinimumThroughput),
            SamplingDuration = _options.SamplingDuration,
            BreakDuration = _options.BreakDuration,
            BreakDurationGenerator = args => ValueTask.FromResult(health.BreakFor(_options.BreakDuration)),
            StateProvider = health.Circuit,
            ShouldHandle = static args => ValueTask.FromResult(
                args.Outcome.Result == AttemptResult.Failed || args.Outcome.Exception is not (null or OperationCanceledException)),
            OnOpened = args =>
            {
                health.Opened(args.BreakDuration);
                _metrics.CircuitChanged(id, CircuitState.Open);
                return default;
            },
            OnHalfOpened = args =>
            {
                _metrics.CircuitChanged(id, CircuitState.HalfOpen);
                return default;
            },
            OnClosed = args =>
            {
                _metrics.CircuitChanged(id, CircuitState.Closed);
                return default;
            },
        }));
        _metrics.CircuitChanged(id, CircuitState.Closed);
        return health;
    }

    public void Dispose() => _registry.Dispose();
}
