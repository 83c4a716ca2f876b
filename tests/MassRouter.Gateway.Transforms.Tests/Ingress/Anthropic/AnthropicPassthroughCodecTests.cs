using System.Text;
using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Ingress.Anthropic;
using MassRouter.Gateway.Transforms.OpenAI;
using MassRouter.Gateway.Transforms.Providers;
using MassRouter.Gateway.Transforms.Tests.Translation;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

public class AnthropicPassthroughCodecTests
{
    private static readonly TranslationContext Context = new("claude", 0, IncludeUsage: true);

    [Theory]
    [InlineData("anthropic/anthropic-stream-text-raw.sse")]
    [InlineData("anthropic/anthropic-stream-thinking-raw.sse")]
    public void RecordedStream_IsRelayedByteForByte_WithItsFinalUsage(string fixture)
    {
        var input = File.ReadAllBytes(Fixtures.PathOf(fixture));
        using var translator = AnthropicPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, input, [7, 1, 64, 3]);

        Assert.Equal(Encoding.UTF8.GetString(input), output);
        Assert.True(translator.IsFinished);
        Assert.Null(translator.Failure);
        Assert.True(translator.Usage.IsKnown);
        Assert.True(translator.Usage.PromptTokens > 0);
        Assert.True(translator.Usage.CompletionTokens > 1);
    }

    [Fact]
    public void RecordedErrorEvent_EndsTheStream_AsAFailure()
    {
        var input = File.ReadAllBytes(Fixtures.PathOf("anthropic/anthropic-stream-error-event-overloaded.sse"));
        using var translator = AnthropicPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, input);

        Assert.Equal(Encoding.UTF8.GetString(input), output);
        Assert.True(translator.IsFinished);
        Assert.NotNull(translator.Failure);
    }

    [Fact]
    public void StreamCutBeforeMessageStop_EndsWithAnErrorEvent()
    {
        var input = File.ReadAllBytes(Fixtures.PathOf("anthropic/anthropic-stream-text-raw.sse"));
        var cut = Encoding.UTF8.GetString(input);
        cut = cut[..cut.IndexOf("event: message_delta", StringComparison.Ordinal)];
        using var translator = AnthropicPassthroughCodec.Instance.CreateStreamTranslator(Context);

        var output = StreamRunner.Run(translator, Encoding.UTF8.GetBytes(cut));

        Assert.StartsWith(cut, output, StringComparison.Ordinal);
        Assert.EndsWith("}\n\n", output, StringComparison.Ordinal);
        Assert.Contains("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\"", output[cut.Length..], StringComparison.Ordinal);
        Assert.NotNull(translator.Failure);
    }

    [Fact]
    public void Request_KeepsTheClientsBody_WithTheUpstreamModel()
    {
        var body = """{"model":"public/claude","max_tokens":16,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}"""u8.ToArray();
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "claude-upstream", output, out _));

        Assert.Equal(
            """{"model":"claude-upstream","max_tokens":16,"top_k":5,"messages":[{"role":"user","content":"Hi"}]}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Request_DropsThinkingBlocksWithoutASignature_KeepingSignedAndRedactedOnes()
    {
        // Turn 1 came from a translated provider (the gateway's empty signature), turn 3 from Anthropic itself.
        var body = Encoding.UTF8.GetBytes("""
            {"model":"public/claude","max_tokens":64,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[
              {"role":"user","content":"Hi é"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"Greet back.","signature":""},{"type":"text","text":"Hello!"}]},
              {"role":"user","content":"And now?"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"Think.","signature":"EqQBCgIYAh"},{"type":"redacted_thinking","data":"EmwKAhgB"},{"type":"text","text":"Now."}]},
              {"role":"user","content":"Last"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"Only thought.","signature": null}]},
              {"role":"user","content":[{"type":"text","text":"Again"}]}
            ]}
            """);
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "claude-upstream", output, out _));

        Assert.Equal(
            """{"model":"claude-upstream","max_tokens":64,"thinking":{"type":"enabled","budget_tokens":1024},"messages":["""
            + """{"role":"user","content":"Hi é"},"""
            + """{"role":"assistant","content":[{"type":"text","text":"Hello!"}]},"""
            + """{"role":"user","content":"And now?"},"""
            + """{"role":"assistant","content":[{"type":"thinking","thinking":"Think.","signature":"EqQBCgIYAh"},{"type":"redacted_thinking","data":"EmwKAhgB"},{"type":"text","text":"Now."}]},"""
            + """{"role":"user","content":"Last"},"""
            + """{"role":"user","content":[{"type":"text","text":"Again"}]}]}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    // The tool loop continues the assistant turn whose thinking went: Anthropic would want it to start with thinking.
    [InlineData("""{"role":"assistant","content":[{"type":"thinking","thinking":"Look it up.","signature":""},{"type":"tool_use","id":"t1","name":"w","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"sunny"}]}""", false)]
    // Its thinking went from an earlier turn only, or the last assistant turn used no tool: thinking stays as asked.
    [InlineData("""{"role":"assistant","content":[{"type":"thinking","thinking":"Hi.","signature":""},{"type":"text","text":"Hello"}]},{"role":"user","content":"Go"},{"role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"EqQB"},{"type":"tool_use","id":"t1","name":"w","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"sunny"}]}""", true)]
    [InlineData("""{"role":"assistant","content":[{"type":"thinking","thinking":"Hi.","signature":""},{"type":"text","text":"Hello"}]},{"role":"user","content":"Again"}""", true)]
    public void Request_WithThinkingOn_LeavesThinkingOff_OnlyWhenTheToolLoopsTurnLostItsThinking(string turns, bool thinking)
    {
        var body = Encoding.UTF8.GetBytes(
            """{"model":"c","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"Weather?"},""" + turns + "]}");
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "up", output, out _));

        var request = System.Text.Json.Nodes.JsonNode.Parse(output.WrittenSpan)!;
        Assert.Equal(thinking, request["thinking"] is not null);
        Assert.DoesNotContain("\"signature\":\"\"", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"thinking","thinking":"x","signature":"EqQB"}""", false)]
    [InlineData("""{"type":"thinking","thinking":"x","signature":""}""", true)]
    [InlineData("""{"type":"thinking","thinking":"x","signature" : null}""", true)]
    [InlineData("""{"type":"text","text":"prose quoting \"signature\": \"\" in a string"}""", false)]
    public void UnsignedThinking_IsLookedForOnlyWhereASignatureIsEmpty(string block, bool mayBePresent) =>
        Assert.Equal(mayBePresent, UnsignedThinkingBlocks.MayBePresent(Encoding.UTF8.GetBytes(
            $$"""{"model":"m","messages":[{"role":"assistant","content":[{{block}}]}]}""")));

    [Fact]
    public void Request_OfAnotherShape_IsStillForwarded_ForAnthropicToRefuse()
    {
        // A message and a block that are not objects, beside an unsigned thinking block: nothing here throws.
        var body = """{"model":"c","messages":["hi",{"role":"assistant","content":[7,{"type":"thinking","thinking":"x","signature":""},{"type":"text","text":"y"}]}]}"""u8.ToArray();
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "up", output, out _));

        Assert.Equal(
            """{"model":"up","messages":["hi",{"role":"assistant","content":[7,{"type":"text","text":"y"}]}]}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Request_NestedAsDeeplyAsEveryRequestReaderAllows_StillLosesItsUnsignedThinking()
    {
        // 100 levels: beyond System.Text.Json's default of 64, within the gateway's RequestJson.MaxDepth.
        var deep = new string('[', 100) + new string(']', 100);
        var body = Encoding.UTF8.GetBytes(
            """{"model":"c","messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":""},{"type":"tool_use","id":"t","name":"f","input":{"deep":"""
            + deep + "}}]}]}");
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "up", output, out _));

        Assert.DoesNotContain("\"thinking\"", Encoding.UTF8.GetString(output.WrittenSpan), StringComparison.Ordinal);
    }

    [Fact]
    public void Request_WhoseSignaturesAreAllSet_IsKeptByteForByte()
    {
        var body = """{"model":"public/claude", "messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"EqQB"}]}]}"""u8.ToArray();
        using var output = new PooledBufferWriter();

        Assert.True(AnthropicPassthroughCodec.Instance.TryWriteRequest(body, default(ChatRequestInfo), "up", output, out _));

        Assert.Equal(
            """{"model":"up", "messages":[{"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"EqQB"}]}]}""",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", true)]
    [InlineData("""{"error":{"message":"Bad","type":"invalid_request_error"}}""", false)]
    [InlineData("""{"type":"message","content":[]}""", false)]
    [InlineData("not json", false)]
    public void AnthropicErrorBodies_AreRecognised(string body, bool expected) =>
        Assert.Equal(expected, AnthropicErrorWriter.IsAnthropicError(Encoding.UTF8.GetBytes(body)));
}
