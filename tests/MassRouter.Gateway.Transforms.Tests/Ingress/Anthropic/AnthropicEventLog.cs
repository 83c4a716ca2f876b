using System.Text;
using System.Text.Json;

namespace MassRouter.Gateway.Transforms.Tests.Ingress.Anthropic;

/// <summary>
/// An Anthropic event stream read back the way a client accumulates it, checking the protocol on the way: message_start
/// first, blocks numbered from 0 and each stopped before the next starts, message_delta then message_stop last.
/// </summary>
internal sealed class AnthropicEventLog
{
    private AnthropicEventLog()
    {
    }

    public List<string> Events { get; } = [];

    public StringBuilder Text { get; } = new();

    public StringBuilder Thinking { get; } = new();

    /// <summary>tool_use blocks in order: id, name and the concatenated partial_json.</summary>
    public List<(string Id, string Name, StringBuilder Input)> Tools { get; } = [];

    public string? StopReason { get; private set; }

    public JsonElement Usage { get; private set; }

    public JsonElement? Error { get; private set; }

    public static AnthropicEventLog Read(string stream)
    {
        var log = new AnthropicEventLog();
        var openIndex = -1;
        var nextIndex = 0;
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
            Assert.True(log.Events.Count > 0 || name is "message_start" or "error", $"first event was {name}");
            Assert.False(log.Events.Contains("message_stop") || log.Events.Contains("error"), "an event followed the end of the stream");
            log.Events.Add(name);
            switch (name)
            {
                case "content_block_start":
                    Assert.Equal(-1, openIndex);
                    Assert.Equal(nextIndex, data.GetProperty("index").GetInt32());
                    openIndex = nextIndex++;
                    var content = data.GetProperty("content_block");
                    if (content.GetProperty("type").GetString() == "tool_use")
                    {
                        log.Tools.Add((content.GetProperty("id").GetString()!, content.GetProperty("name").GetString()!, new StringBuilder()));
                    }

                    break;
                case "content_block_delta":
                    Assert.Equal(openIndex, data.GetProperty("index").GetInt32());
                    var delta = data.GetProperty("delta");
                    switch (delta.GetProperty("type").GetString())
                    {
                        case "text_delta":
                            log.Text.Append(delta.GetProperty("text").GetString());
                            break;
                        case "thinking_delta":
                            log.Thinking.Append(delta.GetProperty("thinking").GetString());
                            break;
                        case "input_json_delta":
                            log.Tools[^1].Input.Append(delta.GetProperty("partial_json").GetString());
                            break;
                        default:
                            Assert.Fail("unexpected delta " + delta);
                            break;
                    }

                    break;
                case "content_block_stop":
                    Assert.Equal(openIndex, data.GetProperty("index").GetInt32());
                    openIndex = -1;
                    break;
                case "message_delta":
                    Assert.Equal(-1, openIndex);
                    log.StopReason = data.GetProperty("delta").GetProperty("stop_reason").GetString();
                    log.Usage = data.GetProperty("usage");
                    break;
                case "message_stop":
                    Assert.Equal("message_delta", log.Events[^2]);
                    break;
                case "error":
                    log.Error = data.GetProperty("error");
                    break;
                case "message_start":
                    Assert.Single(log.Events);
                    Assert.StartsWith("msg_", data.GetProperty("message").GetProperty("id").GetString(), StringComparison.Ordinal);
                    break;
                default:
                    Assert.Fail("unexpected event " + name);
                    break;
            }
        }

        Assert.True(log.Events[^1] is "message_stop" or "error", "the stream did not end with message_stop or error");
        return log;
    }
}
