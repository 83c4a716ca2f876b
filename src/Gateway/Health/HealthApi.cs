namespace MassRouter.Gateway.Health;

/// <summary>Liveness (<c>/healthz</c>) and readiness (<c>/readyz</c>, false once shutdown begins so load balancers drain us).</summary>
/// <remarks>
/// Plain <see cref="RequestDelegate"/>s, not minimal-API lambdas: a lambda endpoint is compiled by the request delegate
/// factory on its first hit, which loads System.Linq.Expressions and compiles an expression tree: resident memory for
/// the process's lifetime (with the reflection options binder, replaced at the same time, 4–5 MiB of idle RSS).
/// </remarks>
internal static class HealthApi
{
    /// <summary>The methods of the health and metrics endpoints: probes and load balancers may ask with HEAD.</summary>
    public static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        var lifetime = endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        endpoints.MapMethods("/healthz", Methods, (RequestDelegate)(context => WriteTextAsync(context, StatusCodes.Status200OK, "ok")));
        endpoints.MapMethods("/readyz", Methods, (RequestDelegate)(context =>
            lifetime.ApplicationStopping.IsCancellationRequested || !lifetime.ApplicationStarted.IsCancellationRequested
                ? WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "stopping")
                : WriteTextAsync(context, StatusCodes.Status200OK, "ready")));
        return endpoints;
    }

    private static Task WriteTextAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(text);
    }
}
