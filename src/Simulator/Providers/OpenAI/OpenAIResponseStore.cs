namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The Responses API's stored responses of one simulator, by id, as OpenAI keeps those created with <c>store</c> on: the
/// newest <see cref="DefaultCapacity"/> are kept, the oldest dropped first. Thread-safe.
/// </summary>
internal sealed class OpenAIResponseStore
{
    public const int DefaultCapacity = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<OpenAIStoredResponse>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<OpenAIStoredResponse> _oldestFirst = new();
    private readonly int _capacity;

    public OpenAIResponseStore(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _byId.Count;
            }
        }
    }

    public void Add(OpenAIStoredResponse response)
    {
        lock (_lock)
        {
            if (_byId.Remove(response.Id, out var existing))
            {
                _oldestFirst.Remove(existing);
            }

            LinkedListNode<OpenAIStoredResponse> node;
            if (_byId.Count < _capacity)
            {
                node = new LinkedListNode<OpenAIStoredResponse>(response);
            }
            else
            {
                // Full: the oldest goes, and its node carries the new one.
                node = _oldestFirst.First!;
                _oldestFirst.RemoveFirst();
                _byId.Remove(node.Value.Id);
                node.Value = response;
            }

            _oldestFirst.AddLast(node);
            _byId.Add(response.Id, node);
        }
    }

    /// <summary>The stored response with <paramref name="id"/>, or null.</summary>
    public OpenAIStoredResponse? Find(string id)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(id, out var node) ? node.Value : null;
        }
    }

    /// <summary>Removes and returns the stored response with <paramref name="id"/>, or null when there is none.</summary>
    public OpenAIStoredResponse? Remove(string id)
    {
        lock (_lock)
        {
            if (!_byId.Remove(id, out var node))
            {
                return null;
            }

            _oldestFirst.Remove(node);
            return node.Value;
        }
    }
}
