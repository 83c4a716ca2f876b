using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Routing;

namespace MassRouter.Gateway.Forwarding;

/// <summary>The routes one request may use: the requested model's first, then those of its <c>models</c> fallbacks in order.</summary>
internal static class FallbackRoutes
{
    /// <summary>The routes; empty with <paramref name="failure"/> set when a fallback is unknown or not allowed for the key.</summary>
    public static ModelRoute[] Resolve(ModelCatalog catalog, ModelRoute route, IReadOnlyList<string>? fallbacks, ApiKeyInfo key, out FallbackFailure? failure)
    {
        failure = null;
        if (fallbacks is null or { Count: 0 })
        {
            return [route];
        }

        var routes = new List<ModelRoute>(fallbacks.Count + 1) { route };
        foreach (var id in fallbacks)
        {
            if (!catalog.TryGet(id, out var fallback))
            {
                failure = new FallbackFailure(StatusCodes.Status404NotFound, $"The fallback model '{id}' does not exist or you do not have access to it.", "model_not_found");
                return [];
            }

            if (!key.MayUse(fallback.Id))
            {
                failure = new FallbackFailure(StatusCodes.Status403Forbidden, $"This API key is not allowed to use the fallback model '{fallback.Id}'.", "model_not_allowed");
                return [];
            }

            if (!routes.Contains(fallback))
            {
                routes.Add(fallback);
            }
        }

        return [.. routes];
    }
}

/// <summary>Why a request's <c>models</c> fallbacks cannot be used: the status, message and code of the client's error.</summary>
internal readonly record struct FallbackFailure(int Status, string Message, string Code);
