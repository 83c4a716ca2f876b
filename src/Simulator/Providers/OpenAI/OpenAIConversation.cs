using System.Buffers;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// One conversation of the Conversations API: its id, creation time, metadata and items, oldest first. Items come from
/// the create and add-items calls and from the responses created in it. It keeps the newest <see cref="MaxItems"/> items,
/// so a load test that talks in one conversation forever stays bounded. Thread-safe: responses in the same conversation
/// may finish at once.
/// </summary>
internal sealed class OpenAIConversation : IOpenAIStoredObject
{
    public const int MaxItems = 10_000;

    private static readonly byte[] _noMetadata = "{}"u8.ToArray();

    private readonly Lock _lock = new();
    private readonly List<OpenAIInputItem> _items = [];
    private ReadOnlyMemory<byte> _metadata;

    public OpenAIConversation(ReadOnlyMemory<byte>? metadata, IEnumerable<OpenAIInputItem> items)
    {
        Id = OpenAIInputItems.NewId("conv_");
        CreatedAt = OpenAIWire.Now();
        _metadata = metadata ?? _noMetadata;
        Append(items);
    }

    /// <summary><c>conv_</c> and 48 hex digits.</summary>
    public string Id { get; }

    /// <summary>Unix seconds.</summary>
    public long CreatedAt { get; }

    /// <summary>Replaces the metadata (a compact JSON object), as an update does.</summary>
    public void SetMetadata(ReadOnlyMemory<byte> metadata)
    {
        lock (_lock)
        {
            _metadata = metadata;
        }
    }

    /// <summary>Adds <paramref name="items"/> after the newest, dropping the oldest beyond <see cref="MaxItems"/>.</summary>
    public void Append(IEnumerable<OpenAIInputItem> items)
    {
        lock (_lock)
        {
            _items.AddRange(items);
            DropOldestBeyondBound();
        }
    }

    /// <summary>
    /// Appends what a finished response adds, together (a turn finishing at the same time goes before or after, not in
    /// between): the items of its request's <paramref name="input"/> (raw JSON), then its <paramref name="output"/>.
    /// </summary>
    public void AppendTurn(ReadOnlySpan<byte> input, OpenAIInputItem? output)
    {
        var items = OpenAIInputItems.Read(input);
        lock (_lock)
        {
            _items.AddRange(items);
            if (output is { } item)
            {
                _items.Add(item);
            }

            DropOldestBeyondBound();
        }
    }

    /// <summary>The items, oldest first, as they are now.</summary>
    public OpenAIInputItem[] Items()
    {
        lock (_lock)
        {
            return [.. _items];
        }
    }

    /// <summary>The oldest item with <paramref name="itemId"/>, or null.</summary>
    public OpenAIInputItem? FindItem(string itemId)
    {
        lock (_lock)
        {
            var index = IndexOf(itemId);
            return index < 0 ? null : _items[index];
        }
    }

    /// <summary>Removes the oldest item with <paramref name="itemId"/>; false when there is none.</summary>
    public bool RemoveItem(string itemId)
    {
        lock (_lock)
        {
            var index = IndexOf(itemId);
            if (index < 0)
            {
                return false;
            }

            _items.RemoveAt(index);
            return true;
        }
    }

    /// <summary>The conversation object: <c>{"id","object":"conversation","created_at","metadata"}</c>.</summary>
    public ReadOnlyMemory<byte> WriteObject()
    {
        ReadOnlyMemory<byte> metadata;
        lock (_lock)
        {
            metadata = _metadata;
        }

        var body = new ArrayBufferWriter<byte>(128 + metadata.Length);
        body.Write("{\"id\":"u8);
        OpenAIWire.WriteString(body, Id);
        body.Write(",\"object\":\"conversation\",\"created_at\":"u8);
        OpenAIWire.WriteNumber(body, CreatedAt);
        body.Write(",\"metadata\":"u8);
        body.Write(metadata.Span);
        body.Write("}"u8);
        return body.WrittenMemory;
    }

    private void DropOldestBeyondBound()
    {
        if (_items.Count > MaxItems)
        {
            _items.RemoveRange(0, _items.Count - MaxItems);
        }
    }

    private int IndexOf(string itemId)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Id, itemId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
