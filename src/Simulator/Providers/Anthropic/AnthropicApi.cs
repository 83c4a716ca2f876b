using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>Anthropic's Messages endpoint.</summary>
internal static class AnthropicApi
{
    public static IEndpointRouteBuilder MapAnthropic(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, AnthropicMessagesSimulator simulator)
    {
        endpoints.MapPost("/v1/messages", context => exchange.RunAsync(context, simulator, routeModel: null));
        return endpoints;
    }
}
