using MassRouter.ControlApi;
using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Http;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Metering;
using Microsoft.Data.Sqlite;
using StackExchange.Redis;

namespace MassRouter.Gateway.Embedded;

/// <summary>
/// The control API hosted next to the gateway (the embedded default's "whole platform in one process"): the same port,
/// routes under <c>/api</c>, the gateway's Redis connection (the embedded Garnet), SQLite in the data directory, and
/// secrets generated once into that directory. Its health, metrics and API reference move to <see cref="OperationsPrefix"/>.
/// </summary>
internal static class EmbeddedControlApi
{
    /// <summary>Where the control API's <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, OpenAPI document and Scalar page go.</summary>
    public const string OperationsPrefix = "/control";

    /// <summary>Prices (USD per million tokens: input, output, cached input) of the simulator models unless configured.</summary>
    public static readonly (string Input, string Output, string CachedInput) SimulatorPrice = ("0.15", "0.60", "0.075");

    public static bool IsEnabled(IConfiguration configuration, GatewayOptions options) =>
        // Without metering there is no embedded Redis (Garnet) for the control API to publish to.
        options.Embedded.ControlApi ?? (MeteringOptions.UsesEmbeddedGarnet(configuration) && options.Providers.Count == 0);

    /// <summary>Registers the control API with embedded defaults for every setting the configuration leaves empty.</summary>
    public static void Add(WebApplicationBuilder builder, GatewayOptions options)
    {
        var configuration = builder.Configuration;
        var dataPath = Path.GetFullPath(options.Embedded.DataPath, builder.Environment.ContentRootPath);
        Directory.CreateDirectory(dataPath);

        var defaults = new Dictionary<string, string?>();
        void Default(string key, Func<string?> value)
        {
            if (string.IsNullOrEmpty(configuration[key]))
            {
                defaults[key] = value();
            }
        }

        Default("ControlApi:Database:Provider", () => "sqlite");
        if (configuration["ControlApi:Database:Provider"] is null or "sqlite")
        {
            Default("ControlApi:Database:ConnectionString", () => new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataPath, "massrouter.db") }.ToString());
        }

        Default("ControlApi:Jwt:SigningKey", () => PersistedSecret.ReadOrCreate(dataPath, "jwt-signing.key"));
        Default("MassRouter:CredentialKey", () => PersistedSecret.ReadOrCreate(dataPath, "credential.key"));

        // Development seed data (Development only) routes its simulator models to the simulator of this process.
        if (configuration["MassRouter:Providers:" + EmbeddedSimulator.ProviderName + ":BaseUrl"] is { Length: > 0 } simulator)
        {
            Default("ControlApi:Seed:SimulatorBaseUrl", () => simulator);
        }

        // The simulator's models have a price, so the journey (top up, call, see the balance drop) shows money moving.
        foreach (var (id, _, _, _, _) in EmbeddedSimulator.Models)
        {
            var prefix = $"{MeteringOptions.SectionName}:Prices:{id}:";
            if (configuration.GetSection(prefix.TrimEnd(':')).GetChildren().Any())
            {
                continue;
            }

            defaults[prefix + nameof(PriceOptions.InputPerMillion)] = SimulatorPrice.Input;
            defaults[prefix + nameof(PriceOptions.OutputPerMillion)] = SimulatorPrice.Output;
            defaults[prefix + nameof(PriceOptions.CachedInputPerMillion)] = SimulatorPrice.CachedInput;
        }

        configuration.AddInMemoryCollection(defaults);

        // Registered before AddControlApi's own post-configuration: the control API talks to the gateway's Redis (or
        // embedded Garnet) through the gateway's connection, which it reuses rather than opening its own.
        builder.Services.AddOptions<ControlApiOptions>().PostConfigure<IConnectionMultiplexer>((o, redis) =>
            o.Redis = string.IsNullOrEmpty(o.Redis) ? redis.Configuration : o.Redis);
        builder.AddControlApi();
        builder.Services.AddSingleton<ControlApiMisses>();
    }

    /// <summary>
    /// Maps the control API. Authentication and authorization run only for its requests: the gateway's <c>/v1</c> hot
    /// path must not pay for them.
    /// </summary>
    public static void Map(WebApplication app)
    {
        app.UseWhen(IsControlApiRequest, branch =>
        {
            branch.UseBrowserAccess(app.Configuration);
            branch.UseExceptionHandler();
            branch.UseStatusCodePages();
            branch.UseAuthentication();
            branch.UseAuthorization();
        });

        // The branch marks its own copy of the pipeline properties; marking the host's as well stops WebApplication
        // from adding authentication and authorization in front of every request.
        var properties = ((IApplicationBuilder)app).Properties;
        properties["__AuthenticationMiddlewareSet"] = true;
        properties["__AuthorizationMiddlewareSet"] = true;
        app.MapControlApi(operationsPrefix: OperationsPrefix);
    }

    /// <summary>True for the control API's paths: <c>/api</c> and <see cref="OperationsPrefix"/>.</summary>
    public static bool IsControlApiRequest(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
        || context.Request.Path.StartsWithSegments(OperationsPrefix, StringComparison.OrdinalIgnoreCase);
}
