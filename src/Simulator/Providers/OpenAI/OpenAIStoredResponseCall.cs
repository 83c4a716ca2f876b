namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>What a request asks of a stored response.</summary>
internal enum OpenAIStoredResponseCall
{
    /// <summary><c>GET /v1/responses/{id}</c></summary>
    Retrieve,

    /// <summary><c>DELETE /v1/responses/{id}</c></summary>
    Delete,

    /// <summary><c>POST /v1/responses/{id}/cancel</c></summary>
    Cancel,

    /// <summary><c>GET /v1/responses/{id}/input_items</c></summary>
    ListInputItems,
}
