using System.Text.Json;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Forwarding;

namespace MassRouter.Gateway.Routing;

/// <summary>
/// <c>GET /v1/models</c>: the models the calling key may use, in OpenAI's list shape. HEAD answers like GET (status and
/// headers; Kestrel sends no body for it), as HTTP wants of every GET resource.
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
        context.Response.Headers[RequestId.HeaderName] = RequestId.Resolve(context);
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
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
        context.Response.Headers[RequestId.HeaderName] = RequestId.Resolve(context);
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
            return;
        }

        var id = (string?)context.Request.RouteValues["id"] ?? "";
        if (!catalog.TryGet(id, out var model) || !key.MayUse(id))
        {
            await Errors.OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status404NotFound,
                $"The model '{id}' does not exist or you do not have access to it.",
                param: "model",
                code: "model_not_found");
            return;
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        WriteModel(writer, model);
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
