namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// A client dialect other than OpenAI chat completions (<c>/v1/messages</c>, <c>/v1/responses</c>): the response body
/// installed in front of the real one while the request rides the chat pipeline, writing what the pipeline produces in
/// OpenAI's shape in the client's own.
/// </summary>
internal interface IClientDialect
{
    /// <summary>The API the client called, for the request metrics.</summary>
    Telemetry.ClientApi Api { get; }

    /// <summary>
    /// A new attempt on <paramref name="deployment"/> (its upstream model id is reported when the answer names no model);
    /// <paramref name="native"/> when its provider speaks the client's dialect itself.
    /// </summary>
    void BeginAttempt(Routing.Deployment deployment, bool native);

    /// <summary>Writes what is left: the end of a stream, or the whole (translated) body with its length. Idempotent.</summary>
    Task FinishAsync();
}
