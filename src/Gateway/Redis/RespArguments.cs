using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// Where a script call's keys and arguments go, in order (every key before the first argument): straight into the
/// request pipeline's command bytes (<see cref="RespCommandWriter"/>), or into the arrays the multiplexer takes
/// (<see cref="RespArgumentArrays"/>). One writer of a call's arguments serves both, so the two paths cannot disagree.
/// </summary>
internal abstract class RespArguments
{
    /// <summary>Keys and arguments written so far.</summary>
    public int Count { get; protected set; }

    /// <summary>Keys written so far.</summary>
    public int KeyCount { get; protected set; }

    public abstract void Key(in RedisKey key);

    /// <summary>A key made of <paramref name="prefix"/> and <paramref name="suffix"/>, without a string for it.</summary>
    public abstract void Key(string prefix, string suffix);

    public abstract void Value(long value);

    public abstract void Value(string value);

    public abstract void Value(in RedisValue value);

    /// <summary>Bytes (a usage event's JSON as the journal holds it), copied by <paramref name="copy"/> into a span of <paramref name="length"/> bytes.</summary>
    public abstract void Value<TState>(int length, TState state, SpanAction<byte, TState> copy);

    /// <summary><paramref name="value"/> as UTF-8 JSON.</summary>
    public abstract void Json<T>(T value, JsonTypeInfo<T> type);
}

/// <summary>
/// A call's keys and arguments as RESP bulk strings, for the request pipeline: reused per thread, so they cost no
/// allocation. The pipeline writes the command's header once the counts are known and copies these bytes after it
/// (a writer that throws half-way leaves nothing behind).
/// </summary>
internal sealed class RespCommandWriter : RespArguments
{
    [ThreadStatic]
    private static RespCommandWriter? t_current;

    // Per thread, like the writer (a static, so the writer owns nothing to dispose): pointed at the writer's buffer on use.
    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private readonly ArrayBufferWriter<byte> _json = new(1024);

    private RespCommandWriter()
    {
    }

    /// <summary>The bytes written since <see cref="Rent"/>.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _output.WrittenSpan;

    /// <summary>This thread's writer, emptied.</summary>
    public static RespCommandWriter Rent()
    {
        var writer = t_current ??= new RespCommandWriter();
        writer._output.ResetWrittenCount();
        writer.Count = 0;
        writer.KeyCount = 0;
        return writer;
    }

    /// <summary>Lets go of a large buffer a rare command grew (so one big batch does not pin its memory per thread).</summary>
    public void Return()
    {
        if (_output.Capacity > 256 << 10)
        {
            t_current = null;
        }
    }

    public override void Key(in RedisKey key)
    {
        BeforeKey();
        WriteString(_output, (string?)key ?? string.Empty);
    }

    public override void Key(string prefix, string suffix)
    {
        BeforeKey();
        var length = Encoding.UTF8.GetByteCount(prefix) + Encoding.UTF8.GetByteCount(suffix);
        WriteHeader(_output, '$', length);
        var span = _output.GetSpan(length + 2);
        var written = Encoding.UTF8.GetBytes(prefix, span);
        written += Encoding.UTF8.GetBytes(suffix, span[written..]);
        span[written] = (byte)'\r';
        span[written + 1] = (byte)'\n';
        _output.Advance(written + 2);
    }

    public override void Value(long value)
    {
        WriteNumber(_output, value);
        Count++;
    }

    public override void Value(string value)
    {
        WriteString(_output, value);
        Count++;
    }

    public override void Value(in RedisValue value)
    {
        if (value.IsInteger)
        {
            WriteNumber(_output, (long)value);
        }
        else
        {
            // Text is encoded straight into the output, bytes copied.
            var length = value.IsNull ? 0 : value.GetByteCount();
            WriteHeader(_output, '$', length);
            var span = _output.GetSpan(length + 2);
            if (length > 0)
            {
                value.CopyTo(span);
            }

            span[length] = (byte)'\r';
            span[length + 1] = (byte)'\n';
            _output.Advance(length + 2);
        }

        Count++;
    }

    public override void Value<TState>(int length, TState state, SpanAction<byte, TState> copy)
    {
        WriteHeader(_output, '$', length);
        var span = _output.GetSpan(length + 2);
        copy(span[..length], state);
        span[length] = (byte)'\r';
        span[length + 1] = (byte)'\n';
        _output.Advance(length + 2);
        Count++;
    }

    public override void Json<T>(T value, JsonTypeInfo<T> type)
    {
        _json.ResetWrittenCount();
        var writer = t_json ??= new Utf8JsonWriter(_json);
        writer.Reset(_json);
        JsonSerializer.Serialize(writer, value, type);
        writer.Flush();
        WriteBulk(_output, _json.WrittenSpan);
        Count++;
    }

    private void BeforeKey()
    {
        if (Count > KeyCount)
        {
            throw new InvalidOperationException("A key was written after the first argument.");
        }

        Count++;
        KeyCount++;
    }

    internal static void WriteHeader(IBufferWriter<byte> output, char type, long count)
    {
        var span = output.GetSpan(24);
        span[0] = (byte)type;
        Utf8Formatter.TryFormat(count, span[1..], out var written);
        span[1 + written] = (byte)'\r';
        span[2 + written] = (byte)'\n';
        output.Advance(3 + written);
    }

    internal static void WriteBulk(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        WriteHeader(output, '$', bytes.Length);
        var span = output.GetSpan(bytes.Length + 2);
        bytes.CopyTo(span);
        span[bytes.Length] = (byte)'\r';
        span[bytes.Length + 1] = (byte)'\n';
        output.Advance(bytes.Length + 2);
    }

    internal static void WriteString(IBufferWriter<byte> output, string text)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        WriteHeader(output, '$', length);
        var span = output.GetSpan(length + 2);
        Encoding.UTF8.GetBytes(text, span);
        span[length] = (byte)'\r';
        span[length + 1] = (byte)'\n';
        output.Advance(length + 2);
    }

    internal static void WriteNumber(IBufferWriter<byte> output, long number)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(number, digits, out var written);
        WriteBulk(output, digits[..written]);
    }
}

/// <summary>A call's keys and arguments as the multiplexer takes them (the fallback when the request pipeline is down).</summary>
internal sealed class RespArgumentArrays : RespArguments
{
    private readonly List<RedisKey> _keys = [];
    private readonly List<RedisValue> _values = [];

    public RedisKey[] Keys => [.. _keys];

    public RedisValue[] Values => [.. _values];

    public override void Key(in RedisKey key)
    {
        if (_values.Count > 0)
        {
            throw new InvalidOperationException("A key was written after the first argument.");
        }

        _keys.Add(key);
        Count++;
        KeyCount++;
    }

    public override void Key(string prefix, string suffix) => Key(prefix + suffix);

    public override void Value(long value) => Add(value);

    public override void Value(string value) => Add(value);

    public override void Value(in RedisValue value) => Add(value);

    public override void Value<TState>(int length, TState state, SpanAction<byte, TState> copy)
    {
        var bytes = new byte[length];
        copy(bytes, state);
        Add(bytes);
    }

    public override void Json<T>(T value, JsonTypeInfo<T> type) => Add(JsonSerializer.SerializeToUtf8Bytes(value, type));

    private void Add(RedisValue value)
    {
        _values.Add(value);
        Count++;
    }
}
