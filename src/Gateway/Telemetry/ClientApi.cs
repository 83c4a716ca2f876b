namespace MassRouter.Gateway.Telemetry;

/// <summary>The API a request came in on: the <c>api</c> label of the request metrics.</summary>
internal enum ClientApi
{
    ChatCompletions,
    Embeddings,
    Messages,
    Responses,
    Completions,
    Moderations,
}
