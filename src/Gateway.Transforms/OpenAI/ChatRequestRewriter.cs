using System.Buffers;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Rewrites only what the gateway must in an OpenAI chat-completions body: the model id, and
/// <c>stream_options.include_usage</c> so usage is always known. Every other byte is copied unchanged. The body has no
/// gateway routing fields left (<see cref="GatewayRoutingFields"/> removes them first).
/// </summary>
public static class ChatRequestRewriter
{
    private static ReadOnlySpan<byte> InsertedStreamOptions => "\"stream_options\":{\"include_usage\":true},"u8;

    private static ReadOnlySpan<byte> IncludeUsageObject => "{\"include_usage\":true}"u8;

    private static ReadOnlySpan<byte> IncludeUsageProperty => "\"include_usage\":true,"u8;

    /// <summary>True when <see cref="Rewrite"/> would change anything.</summary>
    public static bool NeedsRewrite(in ChatRequestInfo info, string upstreamModel) =>
        !string.Equals(info.Model, upstreamModel, StringComparison.Ordinal) || NeedsUsage(info);

    /// <summary>True when the body must be changed to ask the provider for usage.</summary>
    public static bool NeedsUsage(in ChatRequestInfo info) => info.Stream && !info.ClientRequestedUsage;

    /// <summary>Writes the rewritten body to <paramref name="output"/>.</summary>
    public static void Rewrite(ReadOnlySpan<byte> body, in ChatRequestInfo info, string upstreamModel, IBufferWriter<byte> output)
    {
        Span<Edit> edits = stackalloc Edit[2];
        var count = 0;
        if (NeedsUsage(info))
        {
            edits[count++] = info.StreamOptions switch
            {
                StreamOptionsShape.Absent => new Edit(body.IndexOf((byte)'{') + 1, 0, EditKind.InsertStreamOptions),
                StreamOptionsShape.Null or StreamOptionsShape.EmptyObject => new Edit(info.StreamOptionsStart, info.StreamOptionsLength, EditKind.IncludeUsageObject),
                _ when info.IncludeUsageValueStart >= 0 => new Edit(info.IncludeUsageValueStart, info.IncludeUsageValueLength, EditKind.True),
                _ => new Edit(info.StreamOptionsStart + 1, 0, EditKind.InsertIncludeUsageProperty),
            };
        }

        if (!string.Equals(info.Model, upstreamModel, StringComparison.Ordinal))
        {
            edits[count++] = new Edit(info.ModelTokenStart, info.ModelTokenLength, EditKind.Model);
        }

        var ordered = edits[..count];
        ordered.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var pos = 0;
        foreach (var edit in ordered)
        {
            Copy(body[pos..edit.Start], output);
            switch (edit.Kind)
            {
                case EditKind.InsertStreamOptions: Copy(InsertedStreamOptions, output); break;
                case EditKind.IncludeUsageObject: Copy(IncludeUsageObject, output); break;
                case EditKind.True: Copy("true"u8, output); break;
                case EditKind.InsertIncludeUsageProperty: Copy(IncludeUsageProperty, output); break;
                case EditKind.Model: WriteJsonString(upstreamModel, output); break;
            }

            pos = edit.Start + edit.Length;
        }

        Copy(body[pos..], output);
    }

    private enum EditKind : byte
    {
        InsertStreamOptions,
        IncludeUsageObject,
        True,
        InsertIncludeUsageProperty,
        Model,
    }

    private readonly record struct Edit(int Start, int Length, EditKind Kind);

    private static void Copy(ReadOnlySpan<byte> source, IBufferWriter<byte> output)
    {
        if (source.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(source.Length);
        source.CopyTo(span);
        output.Advance(source.Length);
    }

    private static void WriteJsonString(string value, IBufferWriter<byte> output)
    {
        // Model ids are short ASCII in practice; the escaping path covers everything else.
        var span = output.GetSpan((value.Length * 6) + 2);
        span[0] = (byte)'"';
        var written = 1;
        var plain = true;
        foreach (var c in value)
        {
            if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            for (var i = 0; i < value.Length; i++)
            {
                span[written++] = (byte)value[i];
            }

            span[written++] = (byte)'"';
            output.Advance(written);
            return;
        }

        var encoded = JsonEncodedText.Encode(value).EncodedUtf8Bytes;
        encoded.CopyTo(span[1..]);
        written += encoded.Length;
        span[written++] = (byte)'"';
        output.Advance(written);
    }
}
