using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;

namespace MassRouter.Tests.Anthropic;

/// <summary>
/// The official Anthropic SDK pointed at a simulator or a gateway (shared by both test projects as a linked file), with x-sim-* headers on every request. Strict mode validates every
/// response and event against the SDK's model of today's API; recordings that predate a now-required field (tool_use
/// <c>caller</c>) are read without it, field by field, as applications read them.
/// </summary>
internal sealed class AnthropicSdk : IDisposable
{
    private readonly HttpClient _http = new();

    private readonly bool _strict;

    public AnthropicSdk(Uri address, params (string Name, string Value)[] headers)
        : this(address, strict: true, headers)
    {
    }

    public AnthropicSdk(Uri address, bool strict, params (string Name, string Value)[] headers)
        : this(address, "sk-ant-sim", strict, headers)
    {
    }

    public AnthropicSdk(Uri address, string apiKey, bool strict, params (string Name, string Value)[] headers)
    {
        _strict = strict;
        foreach (var (name, value) in headers)
        {
            _http.DefaultRequestHeaders.Add(name, value);
        }

        Client = new AnthropicClient
        {
            BaseUrl = address.ToString().TrimEnd('/'),
            ApiKey = apiKey,
            MaxRetries = 0,
            ResponseValidation = strict,
            HttpClient = _http,
        };
    }

    public AnthropicClient Client { get; }

    public static MessageCreateParams Hello(long maxTokens = 256, string model = "claude-sonnet-4-5") => new()
    {
        MaxTokens = maxTokens,
        Messages = [new UserMessageParam("Hi")],
        Model = model,
    };

    /// <summary><see cref="Hello"/> with one tool, <c>get_weather(city)</c>, whose call the tool choice forces.</summary>
    public static MessageCreateParams ForcedWeatherTool(string model = "claude-sonnet-4-5") => Hello(model: model) with
    {
        Tools = [new Tool { Name = "get_weather", InputSchema = new InputSchema { Properties = new Dictionary<string, JsonElement> { ["city"] = JsonDocument.Parse("""{"type":"string"}""").RootElement }, Required = ["city"] } }],
        ToolChoice = new ToolChoiceTool { Name = "get_weather" },
    };

    /// <summary>
    /// Sends <see cref="ForcedWeatherTool"/> streaming and not, and asserts both answers call <c>get_weather</c> with
    /// the simulator's generated input, the stream's in several input_json_delta fragments; returns the whole answer's call.
    /// </summary>
    public async Task<ToolUseBlock> AssertForcedWeatherCallAsync(string model = "claude-sonnet-4-5")
    {
        var parameters = ForcedWeatherTool(model);
        var summary = await StreamAsync(parameters);
        var message = await Client.Messages.Create(parameters);

        Assert.Equal("get_weather", summary.ToolName);
        Assert.Equal("""{"city":"simulated"}""", summary.ToolInput.ToString());
        Assert.True(summary.Events.Count(e => e == "content_block_delta") > 2);
        Assert.Equal("tool_use", summary.StopReason);
        Assert.True(Assert.Single(message.Content).TryPickToolUse(out var toolUse));
        Assert.Equal("get_weather", toolUse.Name);
        Assert.Equal("simulated", toolUse.Input["city"].GetString());
        Assert.Equal("tool_use", message.StopReason?.Raw());
        return toolUse;
    }

    /// <summary>Reads a whole stream, the way applications accumulate it: text, thinking and tool input per block index.</summary>
    public async Task<StreamSummary> StreamAsync(MessageCreateParams parameters)
    {
        var summary = new StreamSummary();
        await foreach (var streamEvent in Client.Messages.CreateStreaming(parameters))
        {
            if (_strict)
            {
                streamEvent.Validate();
            }

            summary.Add(streamEvent);
        }

        return summary;
    }

    public void Dispose() => _http.Dispose();
}
