using MassRouter.Core.Money;
using MassRouter.Gateway.Routing;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// What bounds a request's cost: the output it asked for at most (<c>max_tokens</c>, <c>max_completion_tokens</c>,
/// Anthropic's <c>max_tokens</c>, <c>max_output_tokens</c>) and the deployments it may reach, its model's and its
/// fallback models'. Admission refuses a request whose most cost is above the balance (OpenRouter does the same), so an
/// account with a little credit left cannot start one request that runs it far into debt.
/// </summary>
/// <param name="choices">OpenAI's <c>n</c>: each choice may use the whole output limit.</param>
internal readonly struct CostBound(int? maxOutputTokens, ModelRoute[]? routes, int? choices = null)
{
    /// <summary>The output limit the request set (per choice), or 0.</summary>
    public int MaxOutputTokens => maxOutputTokens ?? 0;

    /// <summary>The choices the output limit applies to, each.</summary>
    public int Choices => choices is > 1 ? choices.Value : 1;

    /// <summary>
    /// The most the request could cost with <paramref name="promptTokens"/> of prompt: its prompt and its output limit
    /// at the dearest deployment it may reach, and that deployment's price; 0 when it set no output limit.
    /// </summary>
    public long Most(long promptTokens, out ModelPrice dearest)
    {
        dearest = ModelPrice.Free;
        if (maxOutputTokens is not > 0 || routes is null)
        {
            return 0;
        }

        long most = 0;
        foreach (var route in routes)
        {
            foreach (var deployment in route.Deployments)
            {
                var price = deployment.Price;
                var cost = price.Cost(promptTokens, (long)maxOutputTokens.Value * Choices);
                if (cost > most)
                {
                    most = cost;
                    dearest = price;
                }
            }
        }

        return most;
    }
}
