namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>What a request asks of the Conversations API.</summary>
internal enum OpenAIConversationCall
{
    /// <summary><c>POST /v1/conversations</c></summary>
    Create,

    /// <summary><c>GET /v1/conversations/{id}</c></summary>
    Retrieve,

    /// <summary><c>POST /v1/conversations/{id}</c></summary>
    Update,

    /// <summary><c>DELETE /v1/conversations/{id}</c></summary>
    Delete,

    /// <summary><c>GET /v1/conversations/{id}/items</c></summary>
    ListItems,

    /// <summary><c>POST /v1/conversations/{id}/items</c></summary>
    AddItems,

    /// <summary><c>GET /v1/conversations/{id}/items/{item_id}</c></summary>
    RetrieveItem,

    /// <summary><c>DELETE /v1/conversations/{id}/items/{item_id}</c></summary>
    DeleteItem,
}
