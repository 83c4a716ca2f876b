using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MassRouter.ControlApi.Http;

/// <summary>
/// Names the OpenAPI document for the service and declares the JWT bearer scheme so the reference page can send tokens.
/// </summary>
internal sealed class ControlApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        // Named for the service, not the host assembly: embedded in the gateway the document would read "MassRouter.Gateway".
        document.Info ??= new OpenApiInfo();
        document.Info.Title = "MassRouter control API";
        document.Info.Description = "Users, teams, API keys, billing, usage, providers, models and routes of a MassRouter platform.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["Bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "Access token from POST /api/auth/login.",
        };
        return Task.CompletedTask;
    }
}
