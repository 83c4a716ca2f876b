using System.Security.Cryptography;
using System.Text.Json.Serialization;
using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Billing;
using MassRouter.ControlApi.Catalog;
using MassRouter.ControlApi.Configuration;
using MassRouter.ControlApi.Health;
using MassRouter.ControlApi.Keys;
using MassRouter.ControlApi.Ledger;
using MassRouter.ControlApi.Redis;
using MassRouter.ControlApi.Seed;
using MassRouter.ControlApi.Storage;
using MassRouter.ControlApi.Teams;
using MassRouter.ControlApi.Telemetry;
using MassRouter.ControlApi.Http;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Prometheus;
using Scalar.AspNetCore;
using StackExchange.Redis;

namespace MassRouter.ControlApi;

/// <summary>
/// Builds the control-plane host, or adds the control plane to another host (<see cref="AddControlApi"/> +
/// <see cref="MapControlApi"/>) so one process can serve the gateway and the control API together.
/// </summary>
public static class ControlApiHost
{
    /// <summary>The address used when no <c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>ASPNETCORE_HTTP_PORTS</c> is given.</summary>
    public const string DefaultUrl = "http://localhost:8090";

    /// <summary>Builds the control API; <paramref name="configure"/> may add configuration (tests use it).</summary>
    public static Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        configure?.Invoke(builder);
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["urls"]) && string.IsNullOrEmpty(configuration["http_ports"]) && string.IsNullOrEmpty(configuration["https_ports"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.AddControlApi();
        var tracing = configuration.GetSection(ControlApiOptions.SectionName + ":Tracing").Get<Core.Telemetry.TracingOptions>() ?? new();
        if (Telemetry.OtlpTracing.IsEnabled(tracing))
        {
            Telemetry.OtlpTracing.Add(builder.Services, tracing, "massrouter-control-api");
        }

        var app = builder.Build();
        app.UseBrowserAccess(app.Configuration);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapControlApi();
        return Task.FromResult(app);
    }

    /// <summary>Registers the control plane's services, options (validated at start-up), storage, auth and background work.</summary>
    public static WebApplicationBuilder AddControlApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var isDevelopment = builder.Environment.IsDevelopment();

        services.AddOptions<ControlApiOptions>().Bind(configuration.GetSection(ControlApiOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControlApiOptions>, ControlApiOptionsValidator>();
        services.AddOptions<SharedOptions>().Bind(configuration.GetSection(SharedOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SharedOptions>, SharedOptionsValidator>();
        services.AddBrowserAccess();
        if (isDevelopment)
        {
            // Development may run with no secrets configured: per-process random ones (tokens and sealed credentials
            // do not survive a restart then). Production must configure both; validation stops it otherwise.
            var signingKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var credentialKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            services.PostConfigure<ControlApiOptions>(o =>
            {
                o.Jwt.SigningKey = string.IsNullOrEmpty(o.Jwt.SigningKey) ? signingKey : o.Jwt.SigningKey;
                o.Redis = string.IsNullOrEmpty(o.Redis) ? "localhost:6379" : o.Redis;
            });
            services.PostConfigure<SharedOptions>(o => o.CredentialKey = string.IsNullOrEmpty(o.CredentialKey) ? credentialKey : o.CredentialKey);
        }

        // TryAdd: a host that embeds the control API (next to the gateway) may already provide these.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqlDialect>(sp =>
        {
            var database = sp.GetRequiredService<IOptions<ControlApiOptions>>().Value.Database;
            return database.Provider == "postgres" ? new PostgresDialect(database.ConnectionString) : new SqliteDialect(database.ConnectionString);
        });
        services.AddSingleton<Database>();
        services.TryAddSingleton<IConnectionMultiplexer>(sp =>
        {
            var redis = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<ControlApiOptions>>().Value.Redis);
            redis.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(redis);
        });

        // Hosted services start in registration order: migrations, seed and the Redis resync run before Data
        // Protection's own start-up reads the key ring (kept in the database) and before the ledger flusher.
        services.AddHostedService<ControlApiStartup>();

        var keysPath = configuration[$"{ControlApiOptions.SectionName}:{nameof(ControlApiOptions.DataProtectionKeysPath)}"];
        var dataProtection = services.AddDataProtection().SetApplicationName("MassRouter.ControlApi");
        if (!string.IsNullOrEmpty(keysPath))
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keysPath));
        }
        else
        {
            services.AddOptions<KeyManagementOptions>().Configure<Database>((o, database) => o.XmlRepository = new DatabaseXmlRepository(database));
        }

        // The key ring is encrypted wherever it is kept: the database alone must not open the credentials it protects.
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<ControlApiOptions>, IOptions<SharedOptions>>(
            (o, options, shared) => o.XmlEncryptor = new KeyRingProtection.Encryptor(KeyRingProtection.Sealer(options.Value, shared.Value)));

        services.AddSingleton<RedisState>();
        services.AddSingleton<UserRepository>();
        services.AddSingleton<RefreshTokenRepository>();
        services.AddSingleton<TeamRepository>();
        services.AddSingleton<KeyRepository>();
        services.AddSingleton<BillingRepository>();
        services.AddSingleton<PaymentCredits>();
        services.AddSingleton<PendingPaymentRecovery>();
        services.AddSingleton<LedgerRepository>();
        services.AddSingleton<CatalogRepository>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<AccountAccess>();
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<TokenIssuer>();
        services.AddSingleton<TokenSession>();
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<UserStatusChanger>();
        services.AddSingleton<CredentialProtector>();
        services.AddSingleton<CatalogPublisher>();
        services.AddSingleton<OutboxInspector>();
        // TryAdd: a host registers its real provider (or a test its fake) before AddControlApi.
        services.TryAddSingleton<IPaymentProvider, DevelopmentPaymentProvider>();
        services.AddSingleton<DevelopmentSeeder>();
        services.AddSingleton<RedisResync>();
        services.AddSingleton<PeriodicRedisResync>();
        services.AddHostedService(sp => sp.GetRequiredService<PeriodicRedisResync>());
        services.AddSingleton(new ControlMetricsRegistry());
        services.AddSingleton(sp => new LedgerMetrics(sp.GetRequiredService<ControlMetricsRegistry>().Registry));
        services.AddSingleton(sp => new PaymentMetrics(sp.GetRequiredService<ControlMetricsRegistry>().Registry));
        services.AddSingleton<LedgerFlusher>();

        services.AddHostedService(sp => sp.GetRequiredService<LedgerFlusher>());

        // A named scheme that is not the default: only control-API endpoints (through their policies) parse bearer
        // tokens, so a host that embeds the control API next to the gateway pays nothing for it on gateway requests.
        services.AddAuthentication().AddJwtBearer(Roles.Scheme);
        services.AddOptions<JwtBearerOptions>(Roles.Scheme).Configure<IOptions<ControlApiOptions>>((bearer, options) =>
        {
            var jwt = options.Value.Jwt;
            bearer.MapInboundClaims = false;
            bearer.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = jwt.Issuer,
                ValidAudience = jwt.Audience,
                IssuerSigningKey = TokenIssuer.SigningKey(jwt),
                NameClaimType = TokenIssuer.SubjectClaim,
                RoleClaimType = TokenIssuer.RoleClaim,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            bearer.Events = new JwtBearerEvents
            {
                // A suspended user's access token stops working at once, and a changed role takes effect at once:
                // the token must match the user's current status and role.
                OnTokenValidated = async context =>
                {
                    var users = context.HttpContext.RequestServices.GetRequiredService<UserRepository>();
                    var user = long.TryParse(context.Principal?.FindFirst(TokenIssuer.SubjectClaim)?.Value, out var userId) ? await users.FindAsync(userId) : null;
                    if (user is null || user.Status != RecordStatus.Active || context.Principal?.FindFirst(TokenIssuer.RoleClaim)?.Value != user.Role)
                    {
                        context.Fail("The account is not active or its role changed.");
                    }
                },

                // 401 and 403 as RFC 9457 problems like every other error, also when embedded in a host without
                // status-code pages.
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", "A valid access token is required.");
                },
                OnForbidden = async context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "Your role does not allow this.");
                },
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.UserPolicy, policy => policy.AddAuthenticationSchemes(Roles.Scheme).RequireAuthenticatedUser())
            .AddPolicy(Roles.AdminPolicy, policy => policy.AddAuthenticationSchemes(Roles.Scheme).RequireAuthenticatedUser().RequireRole(Roles.Admin));
        services.AddProblemDetails(o =>
        {
            var host = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                host?.Invoke(context);
                MalformedInput.FillDetail(context);
            };
        });

        // Binding failures throw, so the control API's endpoints can answer which field was wrong (MalformedInput)
        // rather than a bare 400; and a number sent as a string ("10") is such a failure, as for any other type.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        services.AddOpenApi(options => options.AddDocumentTransformer<ControlApiDocumentTransformer>());
        return builder;
    }

    private static async Task WriteProblemAsync(HttpContext context, int status, string title, string detail)
    {
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>
    /// Maps the control API (under <c>/api</c>) below <paramref name="prefix"/>, and its OpenAPI document, the Scalar
    /// reference, health and metrics below <paramref name="operationsPrefix"/> (default: <paramref name="prefix"/>; a
    /// host that has its own <c>/healthz</c> and <c>/metrics</c> moves the control API's elsewhere).
    /// </summary>
    public static IEndpointRouteBuilder MapControlApi(this IEndpointRouteBuilder endpoints, string prefix = "", string? operationsPrefix = null)
    {
        var api = endpoints.MapGroup(prefix + "/api").RequireAuthorization(Roles.UserPolicy).AnswerMalformedInput();
        api.MapAuth();
        api.MapUsers();
        api.MapTeams();
        api.MapKeys();
        api.MapBilling();
        api.MapUsage();
        api.MapCatalog();
        api.MapAudit();

        operationsPrefix ??= prefix;
        var root = endpoints.MapGroup(operationsPrefix);
        root.MapOpenApi("/openapi/{documentName}.json");
        root.MapScalarApiReference("/scalar", options => options.WithTitle("MassRouter control API").WithOpenApiRoutePattern(operationsPrefix + "/openapi/{documentName}.json"));
        root.MapHealth();
        // Scrapes are GETs; without method metadata the exporter would answer any method (routing answers 405 instead).
        root.MapMetrics("/metrics", endpoints.ServiceProvider.GetRequiredService<ControlMetricsRegistry>().Registry)
            .WithMetadata(new HttpMethodMetadata(HealthApi.Methods));
        return endpoints;
    }
}
