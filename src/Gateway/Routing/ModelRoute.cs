namespace MassRouter.Gateway.Routing;

/// <summary>A public model id and its deployments, ordered by priority.</summary>
internal sealed class ModelRoute(string id, Deployment[] deployments, bool leastLatency, TimeSpan? totalTimeout, TimeSpan? cacheTtl = null)
{
    public string Id { get; } = id;

    /// <summary>Deployments by ascending priority (stable: configuration order within a priority).</summary>
    public Deployment[] Deployments { get; } = deployments;

    /// <summary>True to balance equal priorities by peak-EWMA latency (power of two choices) instead of weight.</summary>
    public bool LeastLatency { get; } = leastLatency;

    /// <summary>Longest a whole request may take.</summary>
    public TimeSpan? TotalTimeout { get; } = totalTimeout;

    /// <summary>How long its answers are cached when the request does not say (<see cref="Configuration.ModelOptions.CacheTtl"/>).</summary>
    public TimeSpan? CacheTtl { get; } = cacheTtl;
}
