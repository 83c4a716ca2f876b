namespace MassRouter.Gateway.Metering;

/// <summary>
/// Counts tokens with the o200k_base encoding (GPT-4o and later), from the offline data package: for billing streams whose
/// final usage never arrived and for the token-count endpoints' estimates (TPM admission takes a token per 4 bytes, see
/// <see cref="InputTokenEstimator.Approximate"/>). Opened once, in the background at start: mapped
/// from <paramref name="vocabularyPath"/> (see <see cref="O200kVocabularyFile"/>), or, without a path, loaded onto the heap.
/// </summary>
internal sealed class TokenCounter(string? vocabularyPath = null, ILogger? logger = null)
{
    private readonly Lazy<O200kTokenCounter> _counter = new(() => new O200kTokenCounter(
        vocabularyPath is null ? O200kVocabulary.Load() : O200kVocabularyFile.Open(vocabularyPath, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)));

    /// <summary>Opens the vocabulary now, off the request path.</summary>
    public void Warm()
    {
        WarmRequested = true;
        ThreadPool.UnsafeQueueUserWorkItem(static counter => _ = counter._counter.Value, this, preferLocal: false);
    }

    /// <summary>True once <see cref="Warm"/> has been called.</summary>
    public bool WarmRequested { get; private set; }

    /// <summary>True once the vocabulary has been opened.</summary>
    public bool IsLoaded => _counter.IsValueCreated;

    /// <summary>The vocabulary, opening it if need be.</summary>
    public O200kVocabulary Vocabulary => _counter.Value.Vocabulary;

    public int Count(ReadOnlySpan<char> text) => text.IsEmpty ? 0 : _counter.Value.Count(text);

    /// <summary>The tokens of the JSON string (or property name) <paramref name="reader"/> is on, unescaped.</summary>
    public int CountString(ref System.Text.Json.Utf8JsonReader reader)
    {
        // Unescaped UTF-16 never has more chars than the escaped UTF-8 has bytes.
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        var chars = System.Buffers.ArrayPool<char>.Shared.Rent(Math.Max(1, length));
        try
        {
            var written = reader.CopyString(chars);
            return Count(chars.AsSpan(0, written));
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(chars);
        }
    }
}
