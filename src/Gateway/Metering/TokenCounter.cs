namespace MassRouter.Gateway.Metering;

/// <summary>
/// Counts tokens with the o200k_base encoding (GPT-4o and later), from the offline data package: estimates for TPM
/// admission and for billing streams whose final usage never arrived. Loaded once, in the background at start.
/// </summary>
internal sealed class TokenCounter
{
    private readonly Lazy<O200kTokenCounter> _counter = new(O200kTokenCounter.Load);

    /// <summary>Loads the vocabulary now, off the request path.</summary>
    public void Warm()
    {
        WarmRequested = true;
        ThreadPool.UnsafeQueueUserWorkItem(static counter => _ = counter._counter.Value, this, preferLocal: false);
    }

    /// <summary>True once <see cref="Warm"/> has been called.</summary>
    public bool WarmRequested { get; private set; }

    /// <summary>True once the vocabulary has been loaded.</summary>
    public bool IsLoaded => _counter.IsValueCreated;

    public int Count(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : _counter.Value.Count(text);
}
