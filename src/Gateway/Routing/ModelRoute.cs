namespace MassRouter.Gateway.Routing;

/// <summary>A public model id and its deployments, ordered by priority.</summary>
internal sealed class ModelRoute(string id, Deployment[] deployments, bool leastLatency, TimeSpan? totalTimeout)
{
    public string Id { get; } = id;

    /// <summary>Deployments by ascending priority (stable: configuration order within a priority).</summary>
    public Deployment[] Deployments { get; } = deployments;

    /// <summary>True to balance equal priorities by peak-EWMA latency (power of two choices) instead of weight.</summary>
    public bool LeastLatency { get; } = leastLatency;

    /// <summary>Longest a whole request may take.</summary>
    public TimeSpan? TotalTimeout { get; } = totalTimeout;
}
