namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Objects of OpenAI's stored state kept by one simulator, by id: the newest <see cref="DefaultCapacity"/> are kept, the
/// oldest dropped first. Thread-safe.
/// </summary>
internal abstract class OpenAIObjectStore<T>
    where T : class, IOpenAIStoredObject
{
    public const int DefaultCapacity = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<T>> _byId = new(StringComparer.Ordinal);
    private readonly LinkedList<T> _oldestFirst = new();
    private readonly int _capacity;

    protected OpenAIObjectStore(int capacity)
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

    public void Add(T item)
    {
        lock (_lock)
        {
            if (_byId.Remove(item.Id, out var existing))
            {
                _oldestFirst.Remove(existing);
            }

            LinkedListNode<T> node;
            if (_byId.Count < _capacity)
            {
                node = new LinkedListNode<T>(item);
            }
            else
            {
                // Full: the oldest goes, and its node carries the new one.
                node = _oldestFirst.First!;
                _oldestFirst.RemoveFirst();
                _byId.Remove(node.Value.Id);
                node.Value = item;
            }

            _oldestFirst.AddLast(node);
            _byId.Add(item.Id, node);
        }
    }

    /// <summary>The object with <paramref name="id"/>, or null.</summary>
    public T? Find(string id)
    {
        lock (_lock)
        {
            return _byId.TryGetValue(id, out var node) ? node.Value : null;
        }
    }

    /// <summary>Removes and returns the object with <paramref name="id"/>, or null when there is none.</summary>
    public T? Remove(string id)
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

/// <summary>An object <see cref="OpenAIObjectStore{T}"/> keeps: a stored response or a conversation.</summary>
internal interface IOpenAIStoredObject
{
    string Id { get; }
}
