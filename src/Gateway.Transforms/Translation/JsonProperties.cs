using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Translation;

/// <summary>
/// One pass over the top-level properties of a JSON object, yielding each name (as raw bytes; the names translators
/// look for are plain ASCII) and raw value. Lets a translator pick several fields of an event in a single scan.
/// Malformed JSON throws <see cref="JsonException"/>.
/// </summary>
internal ref struct JsonProperties
{
    private readonly ReadOnlySpan<byte> _json;
    private Utf8JsonReader _reader;
    private bool _done;

    public JsonProperties(ReadOnlySpan<byte> json)
    {
        _json = json;
        _reader = new Utf8JsonReader(json);
        _done = json.IsEmpty || !_reader.Read() || _reader.TokenType != JsonTokenType.StartObject;
    }

    public bool Next(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = value = default;
        if (_done || !_reader.Read() || _reader.TokenType != JsonTokenType.PropertyName)
        {
            if (!_done && _reader.TokenType != JsonTokenType.EndObject)
            {
                throw new JsonException("Malformed JSON object.");
            }

            _done = true;
            return false;
        }

        name = _reader.ValueSpan;
        if (!_reader.Read())
        {
            throw new JsonException("Truncated JSON object.");
        }

        if (_reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var start = (int)_reader.TokenStartIndex;
            if (!_reader.TrySkip())
            {
                throw new JsonException("Truncated JSON object.");
            }

            value = _json[start..(int)_reader.BytesConsumed];
        }
        else
        {
            value = JsonOutput.RawToken(_json, ref _reader);
        }

        return true;
    }
}
