using System.Text.Json;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Forwarding;

namespace MassRouter.Gateway.Routing;

/// <summary>
/// <c>GET /v1/models</c>: the models the calling key may use, in OpenAI's list shape, or in Anthropic's (paged, errors
/// Anthropic-shaped) for an Anthropic client. HEAD answers like GET (status and headers; Kestrel sends no body for it),
/// as HTTP wants of every GET resource.
/// </summary>
internal static class ModelsApi
{
    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder endpoints)
    {
        var authenticator = endpoints.ServiceProvider.GetRequiredService<ApiKeyAuthenticator>();
        var catalog = endpoints.ServiceProvider.GetRequiredService<ModelCatalog>();
        endpoints.MapMethods("/v1/models", Health.HealthApi.Methods, (RequestDelegate)(context => ListAsync(context, authenticator, catalog)));
        endpoints.MapMethods("/v1/models/{**id}", Health.HealthApi.Methods, (RequestDelegate)(context => GetAsync(context, authenticator, catalog)));
        return endpoints;
    }

    private static async Task ListAsync(HttpContext context, ApiKeyAuthenticator authenticator, ModelCatalog catalog)
    {
        var anthropic = IsAnthropicClient(context);
        if (await AuthenticateAsync(context, authenticator, anthropic) is not { } key)
        {
            return;
        }

        if (anthropic)
        {
            await AnthropicModelList.WriteAsync(context, catalog.Models.Where(m => key.MayUse(m.Id)).ToList());
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var model in catalog.Models)
        {
            if (key.MayUse(model.Id))
            {
                WriteModel(writer, model);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static async Task GetAsync(HttpContext context, ApiKeyAuthenticator authenticator, ModelCatalog catalog)
    {
        var anthropic = IsAnthropicClient(context);
        if (await AuthenticateAsync(context, authenticator, anthropic) is not { } key)
        {
            return;
        }

        // SDKs escape the slash of a gateway model id (test%2Fgpt), which the path keeps escaped.
        var id = ((string?)context.Request.RouteValues["id"] ?? "").Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (!catalog.TryGet(id, out var model) || !key.MayUse(id))
        {
            await (anthropic
                ? Errors.AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, $"model: {id}")
                : Errors.OpenAIErrorResponse.WriteAsync(
                    context,
                    StatusCodes.Status404NotFound,
                    $"The model '{id}' does not exist or you do not have access to it.",
                    param: "model",
                    code: "model_not_found"));
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        if (anthropic)
        {
            AnthropicModelList.WriteModel(writer, model);
        }
        else
        {
            WriteModel(writer, model);
        }
    }

    /// <summary>Anthropic's SDKs send their API version with every request; OpenAI's never do.</summary>
    private static bool IsAnthropicClient(HttpContext context) => context.Request.Headers.ContainsKey("anthropic-version");

    private static async Task<ApiKeyInfo?> AuthenticateAsync(HttpContext context, ApiKeyAuthenticator authenticator, bool anthropic)
    {
        if (anthropic)
        {
            MessagesHandler.StampRequestIds(context);
        }
        else
        {
            context.Response.Headers[RequestId.HeaderName] = RequestId.Resolve(context);
        }

        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is null)
        {
            await (anthropic ? Errors.AnthropicErrorResponse.WriteAuthFailureAsync(context, auth) : ApiKeyAuthenticator.WriteFailureAsync(context, auth));
        }

        return auth.Key;
    }

    private static void WriteModel(Utf8JsonWriter writer, ModelRoute model)
    {
        writer.WriteStartObject();
        writer.WriteString("id", model.Id);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", 0);
        writer.WriteString("owned_by", model.Deployments[0].Provider.Name);
        writer.WriteEndObject();
    }
}
