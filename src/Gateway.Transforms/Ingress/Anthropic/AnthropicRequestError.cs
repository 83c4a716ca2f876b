namespace MassRouter.Gateway.Transforms.Ingress.Anthropic;

/// <summary>Why an Anthropic request cannot be served; becomes a 400 <c>invalid_request_error</c>.</summary>
/// <param name="Message">Names the offending field, in Anthropic's "field: problem" style.</param>
public readonly record struct AnthropicRequestError(string Message);
