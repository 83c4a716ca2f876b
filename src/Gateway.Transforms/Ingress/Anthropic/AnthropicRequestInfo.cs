namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>What the gateway needs from an Anthropic Messages request to route and meter it.</summary>
/// <param name="Model">The public model id the client asked for.</param>
/// <param name="Stream">True when the client asked for the event stream.</param>
/// <param name="MaxTokens">The client's <c>max_tokens</c>.</param>
public readonly record struct AnthropicRequestInfo(string Model, bool Stream, int MaxTokens);
