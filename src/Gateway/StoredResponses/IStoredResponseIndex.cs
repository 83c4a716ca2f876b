namespace MassRouter.Gateway.StoredResponses;

/// <summary>
/// Which provider holds each response stored through the gateway (OpenAI's Responses API with <c>store</c> on), and whose it
/// is: a continuation (<c>previous_response_id</c>) must reach the provider that stored the response, a retrieval must
/// too, and neither may reach another account's. Kept in an external Redis when the gateway has one (every instance sees
/// every response), in the process otherwise (the embedded default's Garnet keeps its memory for money).
/// </summary>
internal interface IStoredResponseIndex
{
    /// <summary>Records <paramref name="responseId"/>'s holder, without waiting: a response just stored is looked up within milliseconds at the earliest.</summary>
    void Record(string responseId, StoredResponseHolder holder);

    /// <summary>The holder of <paramref name="responseId"/>, or null when the gateway does not know it; throws when the index cannot be read.</summary>
    ValueTask<StoredResponseHolder?> FindAsync(string responseId, CancellationToken cancellationToken);

    /// <summary>Forgets <paramref name="responseId"/> (its owner deleted it), without waiting.</summary>
    void Forget(string responseId);
}
