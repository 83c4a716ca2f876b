using System.Text;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Responses;

/// <summary>
/// A Responses API event stream read back the way a client accumulates it, checking the protocol on the way: every data
/// JSON parses and names its event, sequence numbers count from 0, response.created and response.in_progress come first,
/// items are added at the next output index, one at a time, and their deltas add up to their done events, and the final
/// response lists exactly the items that were done.
/// </summary>
internal sealed class ResponsesEventLog
{
    private ResponsesEventLog()
    {
    }

    public List<string> Events { get; } = [];

    /// <summary>Every event's data, in order.</summary>
    public List<JsonElement> Data { get; } = [];

    public List<LogItem> Items { get; } = [];

    /// <summary>The Response object of the last event (completed, incomplete or failed).</summary>
    public JsonElement Response { get; private set; }

    public string Status => Response.GetProperty("status").GetString()!;

    /// <summary>The message parts' texts (output_text and refusal) as their deltas built them, in order.</summary>
    public string Text => string.Concat(Items.Where(i => i.Type == "message").SelectMany(i => i.Parts).Select(p => p.Text.ToString()));

    public string Reasoning => string.Concat(Items.Where(i => i.Type == "reasoning").Select(i => i.Summary.ToString()));

    public List<LogItem> FunctionCalls => [.. Items.Where(i => i.Type == "function_call")];

    public static ResponsesEventLog Read(string stream)
    {
        var log = new ResponsesEventLog();
        LogItem? open = null;
        foreach (var block in stream.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            var name = lines[0]["event: ".Length..];
            using var document = JsonDocument.Parse(lines[1]["data: ".Length..]);
            var data = document.RootElement.Clone();
            Assert.Equal(name, data.GetProperty("type").GetString());
            Assert.Equal(log.Events.Count, data.GetProperty("sequence_number").GetInt32());
            Assert.False(log.Events.LastOrDefault() is "response.completed" or "response.incomplete" or "response.failed", "an event followed the end of the stream");
            log.Events.Add(name);
            log.Data.Add(data);
            switch (name)
            {
                case "response.created":
                case "response.in_progress":
                    Assert.Equal(name == "response.created" ? 1 : 2, log.Events.Count);
                    var started = data.GetProperty("response");
                    Assert.Equal("in_progress", started.GetProperty("status").GetString());
                    Assert.Empty(started.GetProperty("output").EnumerateArray());
                    Assert.Equal(JsonValueKind.Null, started.GetProperty("usage").ValueKind);
                    break;
                case "response.output_item.added":
                    Assert.Null(open);
                    Assert.Equal(log.Items.Count, data.GetProperty("output_index").GetInt32());
                    var added = data.GetProperty("item");
                    open = new LogItem(added.GetProperty("id").GetString()!, added.GetProperty("type").GetString()!, log.Items.Count);
                    Assert.DoesNotContain(log.Items, i => i.Id == open.Id);
                    if (open.Type != "reasoning")
                    {
                        Assert.Equal("in_progress", added.GetProperty("status").GetString());
                    }

                    if (open.Type == "function_call")
                    {
                        Assert.Equal("", added.GetProperty("arguments").GetString());
                        open.CallId = added.GetProperty("call_id").GetString()!;
                        open.Name = added.GetProperty("name").GetString()!;
                    }

                    log.Items.Add(open);
                    break;
                case "response.content_part.added":
                    Assert.Equal(open!.Parts.Count, AssertOpen(open, data).GetProperty("content_index").GetInt32());
                    var partType = data.GetProperty("part").GetProperty("type").GetString()!;
                    Assert.Equal("", data.GetProperty("part").GetProperty(partType == "refusal" ? "refusal" : "text").GetString());
                    open.Parts.Add((partType, new StringBuilder(), false));
                    break;
                case "response.output_text.delta":
                case "response.refusal.delta":
                    var part = OpenPart(open, data, name == "response.output_text.delta" ? "output_text" : "refusal");
                    part.Text.Append(data.GetProperty("delta").GetString());
                    break;
                case "response.output_text.done":
                    Assert.Equal(OpenPart(open, data, "output_text").Text.ToString(), data.GetProperty("text").GetString());
                    break;
                case "response.refusal.done":
                    Assert.Equal(OpenPart(open, data, "refusal").Text.ToString(), data.GetProperty("refusal").GetString());
                    break;
                case "response.content_part.done":
                    var donePart = data.GetProperty("part");
                    var (type, text, _) = OpenPart(open, data, donePart.GetProperty("type").GetString()!);
                    Assert.Equal(text.ToString(), donePart.GetProperty(type == "refusal" ? "refusal" : "text").GetString());
                    open!.Parts[^1] = (type, text, true);
                    break;
                case "response.reasoning_summary_part.added":
                    Assert.Equal(0, AssertOpen(open, data).GetProperty("summary_index").GetInt32());
                    break;
                case "response.reasoning_summary_text.delta":
                    Assert.Equal("reasoning", open?.Type);
                    open!.Summary.Append(AssertOpen(open, data).GetProperty("delta").GetString());
                    break;
                case "response.reasoning_summary_text.done":
                    Assert.Equal(open!.Summary.ToString(), AssertOpen(open, data).GetProperty("text").GetString());
                    break;
                case "response.reasoning_summary_part.done":
                    Assert.Equal(open!.Summary.ToString(), AssertOpen(open, data).GetProperty("part").GetProperty("text").GetString());
                    break;
                case "response.function_call_arguments.delta":
                    Assert.Equal("function_call", open?.Type);
                    open!.Arguments.Append(AssertOpen(open, data).GetProperty("delta").GetString());
                    break;
                case "response.function_call_arguments.done":
                    Assert.Equal(open!.Arguments.ToString(), AssertOpen(open, data).GetProperty("arguments").GetString());
                    Assert.Equal(open.Name, data.GetProperty("name").GetString());
                    break;
                case "response.output_item.done":
                    Assert.NotNull(open);
                    Assert.Equal(open.OutputIndex, data.GetProperty("output_index").GetInt32());
                    open.Done = data.GetProperty("item");
                    AssertDoneItem(open);
                    open = null;
                    break;
                case "response.completed":
                case "response.incomplete":
                    Assert.Null(open);
                    log.Response = data.GetProperty("response");
                    Assert.Equal(name["response.".Length..], log.Status);
                    Assert.Equal(log.Items.Select(i => i.Done!.Value.GetRawText()), log.Response.GetProperty("output").EnumerateArray().Select(i => i.GetRawText()));
                    break;
                case "response.failed":
                    log.Response = data.GetProperty("response");
                    Assert.Equal("failed", log.Status);
                    break;
                default:
                    Assert.Fail("unexpected event " + name);
                    break;
            }
        }

        Assert.True(log.Events[^1] is "response.completed" or "response.incomplete" or "response.failed", "the stream did not end with a final response event");
        return log;
    }

    private static JsonElement AssertOpen(LogItem? open, JsonElement data)
    {
        Assert.NotNull(open);
        Assert.Equal(open.Id, data.GetProperty("item_id").GetString());
        Assert.Equal(open.OutputIndex, data.GetProperty("output_index").GetInt32());
        return data;
    }

    private static (string Type, StringBuilder Text, bool Done) OpenPart(LogItem? open, JsonElement data, string type)
    {
        AssertOpen(open, data);
        Assert.Equal("message", open!.Type);
        Assert.Equal(open.Parts.Count - 1, data.GetProperty("content_index").GetInt32());
        var part = open.Parts[^1];
        Assert.Equal(type, part.Type);
        Assert.False(part.Done);
        return part;
    }

    /// <summary>The done item carries everything its deltas said.</summary>
    private static void AssertDoneItem(LogItem item)
    {
        var done = item.Done!.Value;
        Assert.Equal(item.Id, done.GetProperty("id").GetString());
        Assert.Equal(item.Type, done.GetProperty("type").GetString());
        switch (item.Type)
        {
            case "reasoning":
                Assert.Equal(item.Summary.ToString(), Assert.Single(done.GetProperty("summary").EnumerateArray()).GetProperty("text").GetString());
                break;
            case "message":
                Assert.All(item.Parts, p => Assert.True(p.Done));
                Assert.Equal("assistant", done.GetProperty("role").GetString());
                Assert.Equal(
                    item.Parts.Select(p => (p.Type, p.Text.ToString())),
                    done.GetProperty("content").EnumerateArray().Select(c => (c.GetProperty("type").GetString()!, c.GetProperty(c.GetProperty("type").GetString() == "refusal" ? "refusal" : "text").GetString()!)));
                break;
            default:
                Assert.Equal(item.Arguments.ToString(), done.GetProperty("arguments").GetString());
                Assert.Equal(item.CallId, done.GetProperty("call_id").GetString());
                Assert.Equal(item.Name, done.GetProperty("name").GetString());
                break;
        }
    }

    /// <summary>One output item as its events built it.</summary>
    internal sealed class LogItem(string id, string type, int outputIndex)
    {
        public string Id { get; } = id;

        public string Type { get; } = type;

        public int OutputIndex { get; } = outputIndex;

        public List<(string Type, StringBuilder Text, bool Done)> Parts { get; } = [];

        public StringBuilder Summary { get; } = new();

        public StringBuilder Arguments { get; } = new();

        public string? CallId { get; set; }

        public string? Name { get; set; }

        public JsonElement? Done { get; set; }
    }
}
