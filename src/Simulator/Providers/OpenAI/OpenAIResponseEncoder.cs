using System.Buffers;
using System.Text;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Writes one generated Response object of OpenAI's Responses API and its output item (a message with one output_text
/// part, or a function_call), in OpenAI's field order. The non-stream body, the stream's response.* events and the
/// snapshots of a background response share it: the per-response parts (ids, model, the settings OpenAI repeats,
/// <c>background</c>, <c>store</c>, <c>previous_response_id</c> and <c>conversation</c> as the request set them) are encoded
/// once and copied.
/// </summary>
internal sealed class OpenAIResponseEncoder
{
    private const int IdHexDigits = 48;

    /// <summary>Where the id starts in <see cref="_head"/>, after <c>{"id":"</c>.</summary>
    private const int IdStart = 7;

    private static readonly byte[] _hexDigits = "0123456789abcdef"u8.ToArray();

    // The tails of a response without a previous one: most requests, so no copy per response.
    private static readonly byte[] _storedTail = Tail(store: true, previousResponseId: null);
    private static readonly byte[] _unstoredTail = Tail(store: false, previousResponseId: null);
    private static readonly byte[] _noConversation = "null"u8.ToArray();

    /// <summary><c>{"id":"resp_…","object":"response","created_at":N,"status":</c></summary>
    private readonly byte[] _head;

    /// <summary><c>,"instructions":null,"max_output_tokens":N,"model":"…","output":[</c></summary>
    private readonly byte[] _settings;

    /// <summary><c>],"parallel_tool_calls":…,"usage":</c>: what follows the output, up to the usage.</summary>
    private readonly byte[] _tail;

    /// <summary><c>{"id":"conv_…"}</c>, or <c>null</c>.</summary>
    private readonly byte[] _conversation;

    private readonly byte[] _itemId;
    private readonly byte[] _callId;

    public OpenAIResponseEncoder(
        string model, int? maxOutputTokens, AnswerPlan plan, bool store, string? previousResponseId, string? conversationId, bool background = false)
    {
        Plan = plan;
        Background = background;
        _tail = previousResponseId is not null ? Tail(store, previousResponseId) : store ? _storedTail : _unstoredTail;
        _conversation = conversationId is null ? _noConversation : Conversation(conversationId);

        var head = new ArrayBufferWriter<byte>(128);
        head.Write("{\"id\":\""u8);
        WriteId(head, "resp_"u8);
        head.Write("\",\"object\":\"response\",\"created_at\":"u8);
        OpenAIWire.WriteNumber(head, OpenAIWire.Now());
        head.Write(",\"status\":"u8);
        _head = head.WrittenSpan.ToArray();

        var settings = new ArrayBufferWriter<byte>(128);
        settings.Write(",\"instructions\":null,\"max_output_tokens\":"u8);
        if (maxOutputTokens is { } limit)
        {
            OpenAIWire.WriteNumber(settings, limit);
        }
        else
        {
            settings.Write("null"u8);
        }

        settings.Write(",\"model\":"u8);
        OpenAIWire.WriteString(settings, model);
        settings.Write(",\"output\":["u8);
        _settings = settings.WrittenSpan.ToArray();

        var itemId = new ArrayBufferWriter<byte>(64);
        WriteId(itemId, plan.Tool is null ? "msg_"u8 : "fc_"u8);
        _itemId = itemId.WrittenSpan.ToArray();

        var callId = new ArrayBufferWriter<byte>(32);
        if (plan.Tool is not null)
        {
            OpenAIWire.WriteToolCallId(callId);
        }

        _callId = callId.WrittenSpan.ToArray();
    }

    public AnswerPlan Plan { get; }

    /// <summary>True for a response created with <c>background</c> on.</summary>
    public bool Background { get; }

    /// <summary>The status once generated whole: <c>incomplete</c> when the limit cut the text, else <c>completed</c>.</summary>
    public OpenAIResponseStatus FinishedStatus => Plan.Truncated ? OpenAIResponseStatus.Incomplete : OpenAIResponseStatus.Completed;

    /// <summary>The response's id, <c>resp_…</c>; made into a string only when asked (to store the response).</summary>
    public string Id => Encoding.UTF8.GetString(_head, IdStart, "resp_".Length + IdHexDigits);

    /// <summary>A buffer size the finished response fits in, most of the time.</summary>
    public int FinishedSizeHint => 1024 + (Plan.TextTokens * 12) + (Plan.Tool?.Arguments.Length * 2 ?? 0);

    /// <summary>The output item's id (<c>msg_…</c> or <c>fc_…</c>), unquoted; the stream's events refer to the item by it.</summary>
    public ReadOnlySpan<byte> ItemId => _itemId;

    /// <summary>
    /// False when the answer is empty (no tokens asked for and no call): the output is then <c>[]</c>, streamed or not.
    /// </summary>
    public bool HasItem => Plan.Tool is not null || Plan.TextTokens > 0;

    /// <summary>
    /// The Response object in <paramref name="status"/>: with its item and usage once finished (<see cref="FinishedStatus"/>,
    /// <c>incomplete</c> with reason <c>max_output_tokens</c>), else with no output and usage null; a failed one carries
    /// OpenAI's server error.
    /// </summary>
    public void WriteResponse(IBufferWriter<byte> writer, OpenAIResponseStatus status)
    {
        writer.Write(_head);
        writer.Write(StatusValue(status));
        writer.Write(Background ? ",\"background\":true,\"conversation\":"u8 : ",\"background\":false,\"conversation\":"u8);
        writer.Write(_conversation);
        writer.Write(status switch
        {
            OpenAIResponseStatus.Incomplete => ",\"error\":null,\"incomplete_details\":{\"reason\":\"max_output_tokens\"}"u8,
            OpenAIResponseStatus.Failed => ",\"error\":{\"code\":\"server_error\",\"message\":\"The server had an error while processing your request. Sorry about that!\"},\"incomplete_details\":null"u8,
            _ => ",\"error\":null,\"incomplete_details\":null"u8,
        });

        writer.Write(_settings);
        var finished = status is OpenAIResponseStatus.Completed or OpenAIResponseStatus.Incomplete;
        if (finished && HasItem)
        {
            WriteItem(writer, done: true);
        }

        writer.Write(_tail);
        if (finished)
        {
            WriteUsage(writer);
        }
        else
        {
            writer.Write("null"u8);
        }

        writer.Write(",\"user\":null,\"metadata\":{}}"u8);
    }

    /// <summary>The output item: as added (in progress, no content, empty arguments) or whole once <paramref name="done"/>.</summary>
    public void WriteItem(IBufferWriter<byte> writer, bool done)
    {
        writer.Write("{\"id\":\""u8);
        writer.Write(_itemId);
        if (Plan.Tool is { } tool)
        {
            writer.Write(done
                ? "\",\"type\":\"function_call\",\"status\":\"completed\",\"arguments\":\""u8
                : "\",\"type\":\"function_call\",\"status\":\"in_progress\",\"arguments\":\""u8);
            if (done)
            {
                JsonText.WriteEscaped(writer, tool.Arguments);
            }

            writer.Write("\",\"call_id\":\""u8);
            writer.Write(_callId);
            writer.Write("\",\"name\":"u8);
            OpenAIWire.WriteString(writer, tool.Name);
            writer.Write("}"u8);
            return;
        }

        if (!done)
        {
            writer.Write("\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[],\"role\":\"assistant\"}"u8);
            return;
        }

        // A message the limit cut is incomplete, as the response is.
        writer.Write(Plan.Truncated
            ? "\",\"type\":\"message\",\"status\":\"incomplete\",\"content\":["u8
            : "\",\"type\":\"message\",\"status\":\"completed\",\"content\":["u8);
        WriteTextPart(writer, done: true);
        writer.Write("],\"role\":\"assistant\"}"u8);
    }

    /// <summary>The finished output item as a conversation keeps it, or null when the output is empty.</summary>
    public OpenAIInputItem? OutputItem()
    {
        if (!HasItem)
        {
            return null;
        }

        var item = new ArrayBufferWriter<byte>(FinishedSizeHint);
        WriteItem(item, done: true);
        return new OpenAIInputItem(Encoding.UTF8.GetString(_itemId), item.WrittenMemory);
    }

    /// <summary>The message's output_text part: empty as added, with the whole text once <paramref name="done"/>.</summary>
    public void WriteTextPart(IBufferWriter<byte> writer, bool done)
    {
        writer.Write("{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\""u8);
        if (done)
        {
            JsonText.WriteTokens(writer, 0, Plan.TextTokens);
        }

        writer.Write("\"}"u8);
    }

    private void WriteUsage(IBufferWriter<byte> writer)
    {
        writer.Write("{\"input_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, Plan.PromptTokens);
        writer.Write(",\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, Plan.OutputTokens);
        writer.Write(",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":"u8);
        OpenAIWire.WriteNumber(writer, (long)Plan.PromptTokens + Plan.OutputTokens);
        writer.Write("}"u8);
    }

    private static ReadOnlySpan<byte> StatusValue(OpenAIResponseStatus status) => status switch
    {
        OpenAIResponseStatus.Queued => "\"queued\""u8,
        OpenAIResponseStatus.InProgress => "\"in_progress\""u8,
        OpenAIResponseStatus.Completed => "\"completed\""u8,
        OpenAIResponseStatus.Incomplete => "\"incomplete\""u8,
        OpenAIResponseStatus.Failed => "\"failed\""u8,
        _ => "\"cancelled\""u8,
    };

    private static byte[] Conversation(string id)
    {
        var conversation = new ArrayBufferWriter<byte>(64);
        conversation.Write("{\"id\":"u8);
        OpenAIWire.WriteString(conversation, id);
        conversation.Write("}"u8);
        return conversation.WrittenSpan.ToArray();
    }

    private static byte[] Tail(bool store, string? previousResponseId)
    {
        var tail = new ArrayBufferWriter<byte>(320);
        tail.Write("],\"parallel_tool_calls\":true,\"previous_response_id\":"u8);
        if (previousResponseId is null)
        {
            tail.Write("null"u8);
        }
        else
        {
            OpenAIWire.WriteString(tail, previousResponseId);
        }

        tail.Write(",\"reasoning\":{\"effort\":null,\"summary\":null},\"store\":"u8);
        tail.Write(store ? "true"u8 : "false"u8);
        tail.Write(
            ",\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":"u8);
        return tail.WrittenSpan.ToArray();
    }

    /// <summary><paramref name="prefix"/> and 48 random hex digits, the shape of OpenAI's response and item ids.</summary>
    internal static void WriteId(IBufferWriter<byte> writer, ReadOnlySpan<byte> prefix)
    {
        writer.Write(prefix);
        var span = writer.GetSpan(IdHexDigits)[..IdHexDigits];
        Random.Shared.GetItems(_hexDigits, span);
        writer.Advance(IdHexDigits);
    }
}
