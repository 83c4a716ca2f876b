using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Catalog;
using MassRouter.Core.Money;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Catalog;

/// <summary>
/// Providers, models, prices and routes (platform admins), and the public model catalog. Every change republishes
/// <c>mr:catalog</c>, so it reaches every gateway within a second.
/// </summary>
internal static class CatalogApi
{
    private static readonly string[] Kinds = ["openai", "anthropic", "gemini", "cohere", "bedrock"];

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder api)
    {
        api.MapGet("/models", PublicModelsAsync).WithTags("Models").AllowAnonymous();

        var admin = api.MapGroup("/admin").WithTags("Admin: catalog").RequireAuthorization(Roles.AdminPolicy);
        admin.MapGet("/providers", async (CatalogRepository catalog, int? page, int? pageSize) => TypedResults.Ok(await catalog.ListProvidersAsync(PageRequest.From(page, pageSize))));
        admin.MapGet("/providers/{id:long}", GetProviderAsync);
        admin.MapPost("/providers", CreateProviderAsync);
        admin.MapPatch("/providers/{id:long}", UpdateProviderAsync);
        admin.MapGet("/models", AdminModelsAsync);
        admin.MapGet("/models/{id:long}", GetModelAsync);
        admin.MapPost("/models", CreateModelAsync);
        admin.MapPatch("/models/{id:long}", UpdateModelAsync);
        admin.MapPut("/models/{id:long}/routes", ReplaceRoutesAsync);
        admin.MapPost("/catalog/publish", async (HttpContext context, CatalogPublisher publisher, AuditLog audit) =>
        {
            var document = await publisher.PublishAsync();
            await audit.WriteAsync(context, "catalog.publish", "catalog");
            return TypedResults.Ok(new { document.Version, Providers = document.Providers.Count, Models = document.Models.Count });
        });
        return api;
    }

    private static async Task<Ok<Page<PublicModelView>>> PublicModelsAsync(CatalogRepository catalog, int? page, int? pageSize)
    {
        var request = PageRequest.From(page, pageSize);
        var (models, total) = await catalog.ListModelsAsync(request, enabledOnly: true);
        return TypedResults.Ok(request.Of(models.Select(m => new PublicModelView(
            m.PublicId, m.DisplayName, m.ContextLength, CatalogPublisher.Price(m.InputNanosPerMillion), CatalogPublisher.Price(m.OutputNanosPerMillion),
            m.CachedInputNanosPerMillion is { } cached ? CatalogPublisher.Price(cached) : null)), total));
    }

    private static async Task<Results<Ok<ProviderView>, ProblemHttpResult>> GetProviderAsync(long id, CatalogRepository catalog) =>
        await catalog.FindProviderAsync(id) is { } provider ? TypedResults.Ok(provider.ToView()) : Problems.NotFound("The provider");

    private static async Task<Results<Created<ProviderView>, ValidationProblem, ProblemHttpResult>> CreateProviderAsync(
        CreateProviderRequest request, HttpContext context, CatalogRepository catalog, CredentialProtector credentials, CatalogPublisher publisher, AuditLog audit, TimeProvider time)
    {
        var errors = ProviderSettings.Validate(request.Settings, ValidateProvider(request.Kind ?? "openai", request.BaseUrl, request.Credential).Text(request.Name, "name", 64), request.Kind ?? "openai");
        errors.Check(request.Name is null || request.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'), "name", "Use letters, digits, '-', '_' and '.'.");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var row = new ProviderRow
        {
            Name = request.Name!,
            Kind = request.Kind ?? "openai",
            Flavor = request.Flavor,
            BaseUrl = request.BaseUrl!,
            ApiVersion = request.ApiVersion,
            CredentialProtected = string.IsNullOrEmpty(request.Credential) ? null : credentials.Protect(request.Credential),
            Enabled = request.Enabled == false ? 0 : 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        row.Store(request.Settings ?? new ProviderSettings());
        var provider = await catalog.CreateProviderAsync(row);
        if (provider is null)
        {
            return Problems.Conflict($"A provider named '{request.Name}' exists.");
        }

        await publisher.PublishAsync();
        await audit.WriteAsync(context, "provider.create", "provider:" + provider.Name);
        return TypedResults.Created($"/api/admin/providers/{provider.Id}", provider.ToView());
    }

    private static async Task<Results<Ok<ProviderView>, ValidationProblem, ProblemHttpResult>> UpdateProviderAsync(
        long id, UpdateProviderRequest request, HttpContext context, CatalogRepository catalog, CredentialProtector credentials, CatalogPublisher publisher, AuditLog audit, TimeProvider time)
    {
        var provider = await catalog.FindProviderAsync(id);
        if (provider is null)
        {
            return Problems.NotFound("The provider");
        }

        var kind = request.Kind ?? provider.Kind;
        var baseUrl = request.BaseUrl ?? provider.BaseUrl;
        var errors = ProviderSettings.Validate(provider.Settings().With(request.Settings), ValidateProvider(kind, baseUrl, request.Credential), kind);
        if (request.Credential is null && kind == "bedrock" && (request.Kind is not null || request.BaseUrl is not null)
            && provider.CredentialProtected is { } stored && credentials.OpenForCheck(stored) is { } kept)
        {
            // The credential stays: it must still suit the new kind or host (access keys sign for the host's region).
            errors.Check(
                !BedrockEndpoints.IsAccessKeyCredential(kept)
                    || (BedrockEndpoints.AccessKeyParts(kept) is not null && Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) && BedrockEndpoints.RegionOf(uri.Host) is not null),
                request.BaseUrl is not null ? "baseUrl" : "kind",
                "The provider's stored credential is AWS access keys, which sign for the region of the base URL's host (https://bedrock-runtime.REGION.amazonaws.com): keep such a host, or send a Bedrock API key as the new credential.");
        }

        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        provider.Kind = request.Kind ?? provider.Kind;
        provider.Flavor = request.Flavor ?? provider.Flavor;
        provider.BaseUrl = request.BaseUrl ?? provider.BaseUrl;
        provider.ApiVersion = request.ApiVersion ?? provider.ApiVersion;
        if (request.Credential is not null)
        {
            provider.CredentialProtected = request.Credential.Length == 0 ? null : credentials.Protect(request.Credential);
        }

        provider.Enabled = request.Enabled is { } enabled ? (enabled ? 1 : 0) : provider.Enabled;
        provider.Store(provider.Settings().With(request.Settings));
        provider.UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        await catalog.UpdateProviderAsync(provider);
        await publisher.PublishAsync();
        await audit.WriteAsync(context, "provider.update", "provider:" + provider.Name, request.Credential is null ? null : "credential replaced");
        return TypedResults.Ok(provider.ToView());
    }

    private static async Task<Ok<Page<ModelView>>> AdminModelsAsync(CatalogRepository catalog, int? page, int? pageSize)
    {
        var request = PageRequest.From(page, pageSize);
        var (models, total) = await catalog.ListModelsAsync(request, enabledOnly: false);
        var routes = await catalog.RoutesAsync(models.Select(m => m.Id));
        return TypedResults.Ok(request.Of(models.Select(m => ToView(m, routes[m.Id])), total));
    }

    private static async Task<Results<Ok<ModelView>, ProblemHttpResult>> GetModelAsync(long id, CatalogRepository catalog)
    {
        var model = await catalog.FindModelAsync(id);
        return model is null ? Problems.NotFound("The model") : TypedResults.Ok(ToView(model, (await catalog.RoutesAsync([id]))[id]));
    }

    private static async Task<Results<Created<ModelView>, ValidationProblem, ProblemHttpResult>> CreateModelAsync(
        ModelRequest request, HttpContext context, CatalogRepository catalog, CatalogPublisher publisher, AuditLog audit, TimeProvider time)
    {
        var errors = ValidateModel(request, creating: true);
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var model = await catalog.CreateModelAsync(new ModelRow
        {
            PublicId = request.PublicId!.Trim(),
            DisplayName = request.DisplayName,
            ContextLength = request.ContextLength,
            InputNanosPerMillion = Nanos.FromDollars(request.InputPerMillion ?? 0m),
            OutputNanosPerMillion = Nanos.FromDollars(request.OutputPerMillion ?? 0m),
            CachedInputNanosPerMillion = request.CachedInputPerMillion is { } cached ? Nanos.FromDollars(cached) : null,
            Enabled = request.Enabled == false ? 0 : 1,
            FirstTokenTimeoutMs = request.FirstTokenTimeoutMs,
            TotalTimeoutMs = request.TotalTimeoutMs,
            LoadBalancing = request.LoadBalancing,
            CreatedAt = now,
            UpdatedAt = now,
        });
        if (model is null)
        {
            return Problems.Conflict($"A model '{request.PublicId}' exists.");
        }

        await publisher.PublishAsync();
        await audit.WriteAsync(context, "model.create", "model:" + model.PublicId);
        return TypedResults.Created($"/api/admin/models/{model.Id}", ToView(model, []));
    }

    private static async Task<Results<Ok<ModelView>, ValidationProblem, ProblemHttpResult>> UpdateModelAsync(
        long id, ModelRequest request, HttpContext context, CatalogRepository catalog, CatalogPublisher publisher, AuditLog audit, TimeProvider time)
    {
        var model = await catalog.FindModelAsync(id);
        if (model is null)
        {
            return Problems.NotFound("The model");
        }

        var errors = ValidateModel(request, creating: false).Check(request.PublicId is null || request.PublicId == model.PublicId, "publicId", "A model's public id cannot change.");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        model.DisplayName = request.DisplayName ?? model.DisplayName;
        model.ContextLength = request.ContextLength ?? model.ContextLength;
        model.InputNanosPerMillion = request.InputPerMillion is { } input ? Nanos.FromDollars(input) : model.InputNanosPerMillion;
        model.OutputNanosPerMillion = request.OutputPerMillion is { } output ? Nanos.FromDollars(output) : model.OutputNanosPerMillion;
        model.CachedInputNanosPerMillion = request.CachedInputPerMillion is { } cached ? Nanos.FromDollars(cached) : model.CachedInputNanosPerMillion;
        model.Enabled = request.Enabled is { } enabled ? (enabled ? 1 : 0) : model.Enabled;
        model.FirstTokenTimeoutMs = request.FirstTokenTimeoutMs ?? model.FirstTokenTimeoutMs;
        model.TotalTimeoutMs = request.TotalTimeoutMs ?? model.TotalTimeoutMs;
        model.LoadBalancing = request.LoadBalancing ?? model.LoadBalancing;
        model.UpdatedAt = time.GetUtcNow().ToUnixTimeMilliseconds();
        await catalog.UpdateModelAsync(model);
        await publisher.PublishAsync();
        await audit.WriteAsync(context, "model.update", "model:" + model.PublicId);
        return TypedResults.Ok(ToView(model, (await catalog.RoutesAsync([id]))[id]));
    }

    private static async Task<Results<Ok<ModelView>, ValidationProblem, ProblemHttpResult>> ReplaceRoutesAsync(
        long id, IReadOnlyList<RouteView> routes, HttpContext context, CatalogRepository catalog, CatalogPublisher publisher, AuditLog audit, TimeProvider time)
    {
        var model = await catalog.FindModelAsync(id);
        if (model is null)
        {
            return Problems.NotFound("The model");
        }

        var providers = await catalog.ProviderIdsAsync();
        var errors = new ValidationErrors();
        for (var i = 0; i < routes.Count; i++)
        {
            errors.Check(providers.ContainsKey(routes[i].Provider ?? ""), $"[{i}].provider", "Is not a known provider.")
                .Text(routes[i].Model, $"[{i}].model", 200)
                .Check(routes[i].Weight > 0, $"[{i}].weight", "Must be positive.");
        }

        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        await catalog.ReplaceRoutesAsync(id, routes.Select(r => (providers[r.Provider], r.Model, r.Weight)).ToList(), time.GetUtcNow().ToUnixTimeMilliseconds());
        await publisher.PublishAsync();
        await audit.WriteAsync(context, "model.routes", "model:" + model.PublicId, string.Join(", ", routes.Select(r => $"{r.Provider}/{r.Model}x{r.Weight}")));
        return TypedResults.Ok(ToView(model, (await catalog.RoutesAsync([id]))[id]));
    }

    private static ModelView ToView(ModelRow m, IEnumerable<RouteRow> routes) => new(
        m.Id, m.PublicId, m.DisplayName, m.ContextLength, CatalogPublisher.Price(m.InputNanosPerMillion), CatalogPublisher.Price(m.OutputNanosPerMillion),
        m.CachedInputNanosPerMillion is { } cached ? CatalogPublisher.Price(cached) : null, m.Enabled != 0,
        routes.Select(r => new RouteView(r.Provider, r.UpstreamModel, (int)r.Weight)).ToList(), m.FirstTokenTimeoutMs, m.TotalTimeoutMs, m.LoadBalancing);

    private static ValidationErrors ValidateProvider(string kind, string? baseUrl, string? credential) =>
        new ValidationErrors()
            .Check(Kinds.Contains(kind), "kind", $"Must be one of {string.Join(", ", Kinds)}.")
            .Check(Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps), "baseUrl", "Must be an absolute http(s) URL.")
            .Check(credential is null || credential.Length <= 4096, "credential", "Must be at most 4096 characters.")
            .Check(
                kind != "bedrock" || !BedrockEndpoints.IsAccessKeyCredential(credential) || (BedrockEndpoints.AccessKeyParts(credential) is not null
                    && uri is not null && BedrockEndpoints.RegionOf(uri.Host) is not null),
                "credential",
                "A Bedrock credential with a colon is AWS access keys, ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN], and signs for the region of the base URL's host (https://bedrock-runtime.REGION.amazonaws.com).");

    private static ValidationErrors ValidateModel(ModelRequest request, bool creating)
    {
        static bool Price(decimal? value) => value is null || (value >= 0m && value <= 1_000_000m && Nanos.ToDollars(Nanos.FromDollars(value.Value)) == value.Value);
        const string PriceMessage = "Must be 0 to 1,000,000 USD per million tokens with at most 9 decimals.";
        return new ValidationErrors()
            .Text(request.PublicId, "publicId", 200, required: creating)
            .Text(request.DisplayName, "displayName", 200, required: false)
            .Check(request.ContextLength is null or > 0, "contextLength", "Must be positive.")
            .Check(!creating || request.InputPerMillion is not null, "inputPerMillion", "Is required.")
            .Check(!creating || request.OutputPerMillion is not null, "outputPerMillion", "Is required.")
            .Check(Price(request.InputPerMillion), "inputPerMillion", PriceMessage)
            .Check(Price(request.OutputPerMillion), "outputPerMillion", PriceMessage)
            .Check(Price(request.CachedInputPerMillion), "cachedInputPerMillion", PriceMessage)
            .Check(request.FirstTokenTimeoutMs is not { } firstToken || CatalogRules.IsTimeout(firstToken), "firstTokenTimeoutMs", $"Must be 1 to {CatalogRules.MaxTimeoutMs} ms.")
            .Check(request.TotalTimeoutMs is not { } total || CatalogRules.IsTimeout(total), "totalTimeoutMs", $"Must be 1 to {CatalogRules.MaxTimeoutMs} ms.")
            .Check(request.LoadBalancing is not { } policy || CatalogRules.IsLoadBalancing(policy), "loadBalancing", $"Must be one of {string.Join(", ", CatalogRules.LoadBalancingPolicies)}.");
    }
}
