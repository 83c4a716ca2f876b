namespace MassRouter.Gateway.Routing;

/// <summary>A public model id and its ordered deployments.</summary>
internal sealed class ModelRoute(string id, Deployment[] deployments)
{
    public string Id { get; } = id;

    public Deployment[] Deployments { get; } = deployments;

    /// <summary>The deployment that serves requests (fallbacks arrive with the resilience work).</summary>
    public Deployment Primary => Deployments[0];
}
