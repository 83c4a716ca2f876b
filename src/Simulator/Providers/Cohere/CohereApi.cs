using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.Cohere;

/// <summary>Cohere's v2 chat endpoint.</summary>
internal static class CohereApi
{
    public static IEndpointRouteBuilder MapCohere(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, CohereChatSimulator simulator)
    {
        endpoints.MapPost("/v2/chat", context => exchange.RunAsync(context, simulator, routeModel: null));
        return endpoints;
    }
}
