namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// One stored Response: the JSON its client got (the non-stream body, or the <c>response</c> of the stream's last event),
/// or for one created in the background the snapshot of it now, and the <c>input</c> its request sent, as raw JSON.
/// </summary>
internal sealed class OpenAIStoredResponse : IOpenAIStoredObject
{
    private readonly ReadOnlyMemory<byte> _response;
    private readonly ReadOnlyMemory<byte> _input;
    private OpenAIInputItem[]? _inputItems;

    public OpenAIStoredResponse(string id, ReadOnlyMemory<byte> response, ReadOnlyMemory<byte> input)
    {
        Id = id;
        _response = response;
        _input = input;
    }

    /// <summary>A response stored as soon as it is created, generated in the background.</summary>
    public OpenAIStoredResponse(OpenAIBackgroundResponse background, ReadOnlyMemory<byte> input)
    {
        Id = background.Id;
        Background = background;
        _input = input;
    }

    public string Id { get; }

    /// <summary>The Response object as it is now: a background one changes until it ends.</summary>
    public ReadOnlyMemory<byte> Response => Background?.Snapshot ?? _response;

    /// <summary>The generation of a response created with <c>background</c> on; null for every other.</summary>
    public OpenAIBackgroundResponse? Background { get; }

    /// <summary>
    /// The input as items with ids, in the order sent. Made on first ask (most stored responses are never listed) and
    /// kept, so the ids it gives items that had none stay the same from one listing to the next.
    /// </summary>
    public IReadOnlyList<OpenAIInputItem> InputItems => LazyInitializer.EnsureInitialized(ref _inputItems, () => OpenAIInputItems.Read(_input.Span));
}
