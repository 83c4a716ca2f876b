using System.Buffers;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Finds the top-level <c>usage</c> object of an OpenAI JSON answer (a chat completion, an embeddings list) read in pieces
/// as it is relayed, so a large answer never has to be held whole. It follows only the answer's structure (nesting,
/// strings, the names of top-level properties) with vectorised searches, skipping number arrays and strings without
/// looking at them; the usage object's own bytes are kept and read with <see cref="ChunkInspector.TryReadUsage"/>.
/// </summary>
public sealed class JsonUsageScanner : IDisposable
{
    // What changes the structure at the top level (where property names and their separators matter) and below it.
    private static readonly SearchValues<byte> TopLevel = SearchValues.Create("\"{}[],:"u8);
    private static readonly SearchValues<byte> Nested = SearchValues.Create("\"{}[]"u8);
    private static readonly SearchValues<byte> InString = SearchValues.Create("\"\\"u8);

    private const int MaxNameLength = 16;

    private readonly byte[] _name = new byte[MaxNameLength];
    private int _nameLength;
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _expectName;
    private bool _readingName;
    private bool _usageNext;
    private int _captureDepth = -1;
    private PooledBufferWriter? _usage;
    private bool _found;
    private bool _failed;

    /// <summary>Reads the next piece of the answer.</summary>
    public void Append(ReadOnlySpan<byte> piece)
    {
        if (_failed)
        {
            return;
        }

        var captureFrom = _captureDepth >= 0 ? 0 : -1;
        var i = 0;
        while (i < piece.Length)
        {
            if (_inString)
            {
                if (_escaped)
                {
                    // The character after a backslash is the escape's, whatever it is.
                    _escaped = false;
                    if (_readingName)
                    {
                        AppendName(piece.Slice(i, 1));
                    }

                    i++;
                    continue;
                }

                var next = piece[i..].IndexOfAny(InString);
                if (next < 0)
                {
                    if (_readingName)
                    {
                        AppendName(piece[i..]);
                    }

                    break;
                }

                if (_readingName)
                {
                    AppendName(piece.Slice(i, next));
                }

                i += next;
                if (piece[i] == (byte)'\\')
                {
                    _escaped = true;
                    if (_readingName)
                    {
                        AppendName(piece.Slice(i, 1));
                    }
                }
                else
                {
                    _inString = false;
                    if (_readingName)
                    {
                        _readingName = false;
                        _usageNext = _nameLength == 5 && _name.AsSpan(0, 5).SequenceEqual("usage"u8);
                    }
                }

                i++;
                continue;
            }

            var at = piece[i..].IndexOfAny(_depth == 1 ? TopLevel : Nested);
            if (at < 0)
            {
                break;
            }

            i += at;
            var c = piece[i];
            switch (c)
            {
                case (byte)'"':
                    _inString = true;
                    if (_depth == 1 && _expectName)
                    {
                        _readingName = true;
                        _nameLength = 0;
                        _expectName = false;
                    }

                    break;
                case (byte)'{' or (byte)'[':
                    if (_depth == 1 && _usageNext && c == (byte)'{' && _captureDepth < 0)
                    {
                        _usage ??= new PooledBufferWriter(256);
                        _usage.Clear();
                        _captureDepth = _depth;
                        captureFrom = i;
                    }

                    _usageNext = false;
                    _depth++;
                    _expectName = _depth == 1 && c == (byte)'{';
                    if (_depth == 1 && c != (byte)'{')
                    {
                        // The answer is not a JSON object.
                        _failed = true;
                        return;
                    }

                    break;
                case (byte)'}' or (byte)']':
                    _depth--;
                    if (_captureDepth >= 0 && _depth == _captureDepth)
                    {
                        _usage!.Write(piece[captureFrom..(i + 1)]);
                        _captureDepth = -1;
                        captureFrom = -1;
                        _found = true;
                    }

                    break;
                case (byte)',':
                    _expectName = true;
                    _usageNext = false;
                    break;
                default:
                    // ':' at the top level: the value of the name just read follows.
                    break;
            }

            i++;
        }

        if (_captureDepth >= 0)
        {
            _usage!.Write(piece[captureFrom..]);
        }
    }

    /// <summary>Ends the answer; true with <paramref name="usage"/> filled when the answer carried usage.</summary>
    public bool Complete(ref TokenUsage usage) =>
        _found && !_failed && ChunkInspector.TryReadUsage(_usage!.WrittenSpan, ref usage);

    public void Dispose()
    {
        _usage?.Dispose();
        _usage = null;
    }

    private void AppendName(ReadOnlySpan<byte> part)
    {
        // Only "usage" matters: a longer name is remembered as too long to be it.
        var room = MaxNameLength - _nameLength;
        part[..Math.Min(room, part.Length)].CopyTo(_name.AsSpan(_nameLength));
        _nameLength = part.Length > room ? MaxNameLength : _nameLength + part.Length;
    }
}
