namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>What a response translator needs to know of the request it answers.</summary>
/// <param name="Model">Model id reported when the provider's answer names none: the upstream id the request was sent with.</param>
/// <param name="Created">Unix seconds written as <c>created</c>.</param>
/// <param name="IncludeUsage">True when the client asked for the final usage chunk.</param>
public readonly record struct TranslationContext(string Model, long Created, bool IncludeUsage);
