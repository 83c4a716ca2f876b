using System.Buffers;
using System.Text.Json;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Finds the top-level <c>usage</c> object of an OpenAI JSON answer (a chat completion, an embeddings list) read in pieces
/// as it is relayed, so a large answer never has to be held whole: it keeps only a token cut by the end of a piece and
/// the usage object's own bytes.
/// </summary>
public sealed class JsonUsageScanner : IDisposable
{
    private JsonReaderState _state;
    private byte[] _carry = [];
    private int _carried;
    private PooledBufferWriter? _usage;
    private bool _usageNext;
    private bool _capturing;
    private bool _found;
    private bool _failed;

    /// <summary>Reads the next piece of the answer.</summary>
    public void Append(ReadOnlySpan<byte> piece) => Scan(piece, final: false);

    /// <summary>Reads the end of the answer; true with <paramref name="usage"/> filled when the answer carried usage.</summary>
    public bool Complete(ref TokenUsage usage)
    {
        Scan([], final: true);
        return _found && !_failed && ChunkInspector.TryReadUsage(_usage!.WrittenSpan, ref usage);
    }

    public void Dispose()
    {
        _usage?.Dispose();
        _usage = null;
        if (_carry.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = [];
        }
    }

    private void Scan(ReadOnlySpan<byte> piece, bool final)
    {
        if (_failed)
        {
            return;
        }

        var span = piece;
        if (_carried > 0)
        {
            Reserve(_carried + piece.Length);
            piece.CopyTo(_carry.AsSpan(_carried));
            span = _carry.AsSpan(0, _carried + piece.Length);
        }

        var reader = new Utf8JsonReader(span, final, _state);
        var captureFrom = _capturing ? 0 : -1;
        try
        {
            while (reader.Read())
            {
                if (_capturing)
                {
                    // The usage object's value is at depth 1, like every property of the answer.
                    if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1)
                    {
                        _usage!.Write(span[captureFrom..(int)reader.BytesConsumed]);
                        _capturing = false;
                        _found = true;
                        captureFrom = -1;
                    }
                }
                else if (_usageNext)
                {
                    _usageNext = false;
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        _usage ??= new PooledBufferWriter(256);
                        _usage.Clear();
                        _capturing = true;
                        captureFrom = (int)reader.TokenStartIndex;
                    }
                }
                else if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("usage"u8))
                {
                    _usageNext = true;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: the relay goes on, and the usage stays unknown.
            _failed = true;
            return;
        }

        var consumed = (int)reader.BytesConsumed;
        if (_capturing)
        {
            // The rest of the object comes with the next piece, which starts with what is carried below.
            _usage!.Write(span[captureFrom..consumed]);
        }

        _state = reader.CurrentState;
        var rest = span[consumed..];
        if (rest.Length > 0)
        {
            Reserve(rest.Length);
            rest.CopyTo(_carry);
        }

        _carried = rest.Length;
    }

    private void Reserve(int length)
    {
        if (_carry.Length >= length)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(length, 4096));
        _carry.AsSpan(0, _carried).CopyTo(larger);
        if (_carry.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_carry);
        }

        _carry = larger;
    }
}
