namespace MassRouter.Gateway.Health;

/// <summary>Liveness (<c>/healthz</c>) and readiness (<c>/readyz</c>, false once shutdown begins so load balancers drain us).</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        var lifetime = endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        endpoints.MapGet("/healthz", () => TypedResults.Text("ok"));
        endpoints.MapGet("/readyz", () => lifetime.ApplicationStopping.IsCancellationRequested || !lifetime.ApplicationStarted.IsCancellationRequested
            ? Results.Text("stopping", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready"));
        return endpoints;
    }
}
