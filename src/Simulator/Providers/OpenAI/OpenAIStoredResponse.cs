namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// One stored Response: the JSON its client got (the non-stream body, or the <c>response</c> of the stream's last event)
/// and the <c>input</c> its request sent, as raw JSON.
/// </summary>
internal sealed class OpenAIStoredResponse : IOpenAIStoredObject
{
    private readonly ReadOnlyMemory<byte> _input;
    private OpenAIInputItem[]? _inputItems;

    public OpenAIStoredResponse(string id, ReadOnlyMemory<byte> response, ReadOnlyMemory<byte> input)
    {
        Id = id;
        Response = response;
        _input = input;
    }

    public string Id { get; }

    public ReadOnlyMemory<byte> Response { get; }

    /// <summary>
    /// The input as items with ids, in the order sent. Made on first ask (most stored responses are never listed) and
    /// kept, so the ids it gives items that had none stay the same from one listing to the next.
    /// </summary>
    public IReadOnlyList<OpenAIInputItem> InputItems => LazyInitializer.EnsureInitialized(ref _inputItems, () => OpenAIInputItems.Read(_input.Span));
}
