using MassRouter.ControlApi.Configuration;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Http;

/// <summary>
/// Cross-origin access for browser apps on the origins of <see cref="ControlApiOptions.CorsOrigins"/>: a preflight is
/// answered (any method and header the API takes; cached for two hours), and every answer to such an origin, errors
/// included, says it may be read. Off when no origin is configured: then nothing is added to the pipeline at all.
/// </summary>
public static class BrowserAccess
{
    private const string PolicyName = "ControlApi";

    /// <summary>Registers the policy (read from the validated options when first used).</summary>
    public static IServiceCollection AddBrowserAccess(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<ControlApiOptions>>((cors, options) => cors.AddPolicy(PolicyName, policy =>
        {
            var origins = options.Value.CorsOrigins;
            if (origins.Contains("*"))
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins([.. origins]).SetIsOriginAllowedToAllowWildcardSubdomains();
            }

            policy.AllowAnyMethod().AllowAnyHeader().WithExposedHeaders("*").SetPreflightMaxAge(TimeSpan.FromHours(2));
        }));
        return services;
    }

    /// <summary>
    /// Adds the CORS middleware when origins are configured (read from <paramref name="configuration"/>, so building the
    /// pipeline does not run the options' validation before start-up does).
    /// </summary>
    public static IApplicationBuilder UseBrowserAccess(this IApplicationBuilder app, IConfiguration configuration)
    {
        var origins = configuration.GetSection($"{ControlApiOptions.SectionName}:{nameof(ControlApiOptions.CorsOrigins)}").GetChildren();
        return origins.Any() ? app.UseCors(PolicyName) : app;
    }
}
