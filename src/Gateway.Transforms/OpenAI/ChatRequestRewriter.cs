using System.Buffers;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>
/// Rewrites only what the gateway must in an OpenAI chat-completions body: the model id, and
/// <c>stream_options.include_usage</c> so usage is always known. Every other byte is copied unchanged.
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
        var pos = 0;
        var needsUsage = NeedsUsage(info);

        // Edits in body order: an insertion right after '{', then the model and stream_options, whichever comes first.
        if (needsUsage && info.StreamOptions == StreamOptionsShape.Absent)
        {
            var open = body.IndexOf((byte)'{');
            Copy(body[..(open + 1)], output);
            Copy(InsertedStreamOptions, output);
            pos = open + 1;
        }

        var modelChanged = !string.Equals(info.Model, upstreamModel, StringComparison.Ordinal);
        var optionsEdit = needsUsage && info.StreamOptions != StreamOptionsShape.Absent;
        var optionsFirst = optionsEdit && info.StreamOptionsStart < info.ModelTokenStart;

        if (optionsFirst)
        {
            pos = EditStreamOptions(body, info, pos, output);
        }

        if (modelChanged)
        {
            Copy(body[pos..info.ModelTokenStart], output);
            WriteJsonString(upstreamModel, output);
            pos = info.ModelTokenStart + info.ModelTokenLength;
        }

        if (optionsEdit && !optionsFirst)
        {
            pos = EditStreamOptions(body, info, pos, output);
        }

        Copy(body[pos..], output);
    }

    private static int EditStreamOptions(ReadOnlySpan<byte> body, in ChatRequestInfo info, int pos, IBufferWriter<byte> output)
    {
        switch (info.StreamOptions)
        {
            case StreamOptionsShape.Null:
            case StreamOptionsShape.EmptyObject:
                Copy(body[pos..info.StreamOptionsStart], output);
                Copy(IncludeUsageObject, output);
                return info.StreamOptionsStart + info.StreamOptionsLength;
            case StreamOptionsShape.WithProperties when info.IncludeUsageValueStart >= 0:
                Copy(body[pos..info.IncludeUsageValueStart], output);
                Copy("true"u8, output);
                return info.IncludeUsageValueStart + info.IncludeUsageValueLength;
            default:
                Copy(body[pos..(info.StreamOptionsStart + 1)], output);
                Copy(IncludeUsageProperty, output);
                return info.StreamOptionsStart + 1;
        }
    }

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
