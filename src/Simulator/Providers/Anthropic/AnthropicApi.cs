using MassRouter.Simulator.Exchange;

namespace MassRouter.Simulator.Providers.Anthropic;

/// <summary>Anthropic's Messages endpoint and its token count.</summary>
internal static class AnthropicApi
{
    public static IEndpointRouteBuilder MapAnthropic(this IEndpointRouteBuilder endpoints, SimulatedExchange exchange, AnthropicMessagesSimulator simulator)
    {
        endpoints.MapPost("/v1/messages", context => exchange.RunAsync(context, simulator, routeModel: null));
        var countTokens = new AnthropicCountTokensSimulator();
        endpoints.MapPost("/v1/messages/count_tokens", context => exchange.RunAsync(context, countTokens, routeModel: null));
        return endpoints;
    }
}
