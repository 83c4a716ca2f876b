using System.Buffers;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Writes a generated legacy completion (<c>text_completion</c>): the whole body, in the field order of OpenAI's API
/// reference (id, object, created, model, choices, usage), or its stream, every event a <c>text_completion</c> too but with
/// <c>model</c> after <c>choices</c>, as OpenAI sends them (there is no delta: each event's <c>text</c> is the next
/// piece). <c>prompts</c> × <c>n</c> identical choices, choice <c>p × n + i</c> answering prompt <c>p</c>: in a stream
/// each round of <see cref="AnswerStreamer"/> writes one event per choice, interleaved as chat's choices are. Each choice
/// ends with an event of empty text carrying its finish reason; with <c>include_usage</c> a last event has no choices and
/// the usage, and every other one <c>"usage":null</c>.
/// </summary>
internal sealed class OpenAITextCompletionEncoder : IAnswerStreamEncoder
{
    private readonly byte[] _id;
    private readonly long _created;
    private readonly string _model;
    private readonly AnswerPlan _plan;
    private readonly int _choicesPerPrompt;
    private readonly int _choices;
    private readonly byte[][]? _echoes;
    private readonly bool _includeUsage;
    private readonly byte[] _eventStart;
    private readonly byte[] _eventEnd;

    /// <param name="echoes">The text <c>echo</c> puts before each prompt's completions; null without echo.</param>
    public OpenAITextCompletionEncoder(string model, AnswerPlan plan, int prompts, int choicesPerPrompt, byte[][]? echoes, bool includeUsage)
    {
        var id = new ArrayBufferWriter<byte>(40);
        OpenAIWire.WriteTextCompletionId(id);
        _id = id.WrittenSpan.ToArray();
        _created = OpenAIWire.Now();
        _model = model;
        _plan = plan;
        _choicesPerPrompt = choicesPerPrompt;
        _choices = prompts * choicesPerPrompt;
        _echoes = echoes;
        _includeUsage = includeUsage;

        var start = new ArrayBufferWriter<byte>(128);
        start.Write("data: "u8);
        WriteHead(start, model: false);
        _eventStart = start.WrittenSpan.ToArray();

        var end = new ArrayBufferWriter<byte>(64);
        end.Write("],\"model\":"u8);
        OpenAIWire.WriteString(end, model);
        end.Write(includeUsage ? ",\"usage\":null}\n\n"u8 : "}\n\n"u8);
        _eventEnd = end.WrittenSpan.ToArray();
    }

    /// <summary>Completion tokens over every choice, as OpenAI bills <c>n</c> and prompt arrays; an echo is not billed.</summary>
    public int CompletionTokens => _choices * _plan.TextTokens;

    public int CompletionSizeHint => 256 + (_choices * (96 + TokenVocabulary.Utf8Length(0, _plan.TextTokens))) + (_echoes?.Sum(e => e.Length * _choicesPerPrompt) ?? 0);

    /// <summary>With <c>echo</c>, every choice's first event is its prompt; otherwise the stream starts with the first tokens.</summary>
    public void WriteStart(IBufferWriter<byte> writer)
    {
        if (_echoes is null)
        {
            return;
        }

        for (var choice = 0; choice < _choices; choice++)
        {
            WriteEvent(writer, choice, Echo(choice), 0, 0, finishReason: "null"u8);
        }
    }

    public void WriteBlockStart(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
    }

    public void WriteTokens(IBufferWriter<byte> writer, AnswerBlock block, int index, int first, int count)
    {
        for (var choice = 0; choice < _choices; choice++)
        {
            WriteEvent(writer, choice, [], first, count, finishReason: "null"u8);
        }
    }

    public void WriteToolFragment(IBufferWriter<byte> writer, int index, ReadOnlySpan<byte> fragment) =>
        throw new NotSupportedException("The legacy Completions API has no tool calls.");

    public void WriteBlockEnd(IBufferWriter<byte> writer, AnswerBlock block, int index)
    {
    }

    public void WriteFinish(IBufferWriter<byte> writer)
    {
        for (var choice = 0; choice < _choices; choice++)
        {
            WriteEvent(writer, choice, [], 0, 0, FinishReason);
        }

        if (_includeUsage)
        {
            writer.Write(_eventStart);
            writer.Write("],\"model\":"u8);
            OpenAIWire.WriteString(writer, _model);
            writer.Write(",\"usage\":"u8);
            OpenAIWire.WriteTextCompletionUsage(writer, _plan.PromptTokens, CompletionTokens);
            writer.Write("}\n\n"u8);
        }

        OpenAIChunkEncoder.WriteDone(writer);
    }

    /// <summary>The body of a completion that does not stream: every choice whole (its echo, then the generated text).</summary>
    public void WriteCompletion(IBufferWriter<byte> writer)
    {
        WriteHead(writer, model: true);
        for (var choice = 0; choice < _choices; choice++)
        {
            if (choice > 0)
            {
                writer.Write(","u8);
            }

            WriteChoice(writer, choice, Echo(choice), 0, _plan.TextTokens, FinishReason);
        }

        writer.Write("],\"usage\":"u8);
        OpenAIWire.WriteTextCompletionUsage(writer, _plan.PromptTokens, CompletionTokens);
        writer.Write("}"u8);
    }

    private ReadOnlySpan<byte> FinishReason => _plan.Truncated ? "\"length\""u8 : "\"stop\""u8;

    private ReadOnlySpan<byte> Echo(int choice) => _echoes is null ? [] : _echoes[choice / _choicesPerPrompt];

    /// <summary>The object up to the opening of its choices; the body names the model before them, stream events after.</summary>
    private void WriteHead(IBufferWriter<byte> writer, bool model)
    {
        writer.Write("{\"id\":\""u8);
        writer.Write(_id);
        writer.Write("\",\"object\":\"text_completion\",\"created\":"u8);
        OpenAIWire.WriteNumber(writer, _created);
        if (model)
        {
            writer.Write(",\"model\":"u8);
            OpenAIWire.WriteString(writer, _model);
        }

        writer.Write(",\"choices\":["u8);
    }

    private void WriteEvent(IBufferWriter<byte> writer, int choice, ReadOnlySpan<byte> echo, int first, int count, ReadOnlySpan<byte> finishReason)
    {
        writer.Write(_eventStart);
        WriteChoice(writer, choice, echo, first, count, finishReason);
        writer.Write(_eventEnd);
    }

    private static void WriteChoice(IBufferWriter<byte> writer, int choice, ReadOnlySpan<byte> echo, int first, int count, ReadOnlySpan<byte> finishReason)
    {
        writer.Write("{\"text\":\""u8);
        writer.Write(echo);
        JsonText.WriteTokens(writer, first, count);
        writer.Write("\",\"index\":"u8);
        OpenAIWire.WriteNumber(writer, choice);
        writer.Write(",\"logprobs\":null,\"finish_reason\":"u8);
        writer.Write(finishReason);
        writer.Write("}"u8);
    }
}
