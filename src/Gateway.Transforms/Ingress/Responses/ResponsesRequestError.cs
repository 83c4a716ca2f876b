namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>An OpenAI-shaped refusal of a Responses request (400).</summary>
/// <param name="Message">What is wrong, in OpenAI's words where OpenAI would refuse the request too.</param>
/// <param name="Param">The offending parameter by its path (<c>input[3].content[0].file_id</c>); null for the body as a whole.</param>
/// <param name="Code">
/// OpenAI's error code: <c>invalid_json</c>, <c>invalid_request_body</c>, <c>invalid_type</c>,
/// <c>missing_required_parameter</c>, <c>invalid_value</c> (OpenAI would refuse it too), <c>unsupported_parameter</c>
/// (valid for OpenAI, but beyond what a stateless gateway over chat completions can serve), or a range code such as
/// <c>integer_below_min_value</c>.
/// </param>
public readonly record struct ResponsesRequestError(string Message, string? Param, string Code)
{
    /// <summary>
    /// True when OpenAI's own Responses API serves what was refused (stored responses and conversations, background
    /// responses, hosted, custom and namespaced tools, stored files): a deployment whose provider speaks that API can take
    /// the request as it is.
    /// </summary>
    public bool ServedNatively => Code == "unsupported_parameter";
}
