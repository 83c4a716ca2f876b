using System.Text;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Conformance;

/// <summary>
/// What a client of the OpenAI route acts on, as one readable JSON object: content, reasoning, refusal, tool calls
/// (id, name, arguments), finish reason, usage (with cached and reasoning tokens), or the error. Built both from what
/// the official SDK returned and from the library-level expected OpenAI output, so the two levels can be compared.
/// Ids, model and timestamps are left out: they are the gateway's own, not the translation's.
/// </summary>
internal sealed class ClientView
{
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();
    private readonly StringBuilder _refusal = new();
    private readonly SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)> _toolCalls = [];
    private string? _finishReason;
    private JsonObject? _usage;
    private JsonNode? _error;
    private int? _status;

    /// <summary>A non-streamed completion as the SDK parsed it; reasoning from the raw body (the SDK has no property for it).</summary>
    public static ClientView FromCompletion(ChatCompletion completion, string rawBody)
    {
        var view = new ClientView();
        foreach (var part in completion.Content)
        {
            view._content.Append(part.Text);
        }

        view._refusal.Append(completion.Refusal);
        view._reasoning.Append(JsonNode.Parse(rawBody)!["choices"]![0]!["message"]!["reasoning_content"]?.GetValue<string>());
        for (var i = 0; i < completion.ToolCalls.Count; i++)
        {
            var call = completion.ToolCalls[i];
            view._toolCalls[i] = (call.Id, call.FunctionName, new StringBuilder(call.FunctionArguments.ToString()));
        }

        view._finishReason = FinishReason(completion.FinishReason);
        view._usage = Usage(completion.Usage);
        return view;
    }

    /// <summary>Streamed updates as the SDK parsed them; reasoning and a final error event from the raw stream.</summary>
    public static ClientView FromUpdates(IReadOnlyList<StreamingChatCompletionUpdate> updates, string rawStream)
    {
        var view = new ClientView();
        foreach (var update in updates)
        {
            foreach (var part in update.ContentUpdate)
            {
                view._content.Append(part.Text);
            }

            view._refusal.Append(update.RefusalUpdate);
            foreach (var call in update.ToolCallUpdates)
            {
                view.AddToolCallFragment(call.Index, call.ToolCallId, call.FunctionName, call.FunctionArgumentsUpdate?.ToString());
            }

            if (update.FinishReason is { } finish)
            {
                Assert.Null(view._finishReason);
                view._finishReason = FinishReason(finish);
            }

            if (update.Usage is { } usage)
            {
                Assert.Null(view._usage);
                view._usage = Usage(usage);
            }
        }

        var raw = FromSse(rawStream);
        view._reasoning.Append(raw._reasoning);
        view._error = raw._error;
        return view;
    }

    /// <summary>An HTTP error as the SDK surfaced it (<see cref="System.ClientModel.ClientResultException"/>).</summary>
    public static ClientView FromError(int status, string body) =>
        new() { _status = status, _error = JsonNode.Parse(body)!["error"]!.DeepClone() };

    /// <summary>An OpenAI chat.completion JSON, or a library-level error file <c>{"status":…,"body":…}</c>.</summary>
    public static ClientView FromJson(string json)
    {
        var node = JsonNode.Parse(json)!;
        if (node["status"] is { } status)
        {
            return new ClientView { _status = status.GetValue<int>(), _error = node["body"]!["error"]!.DeepClone() };
        }

        var view = new ClientView();
        var choice = node["choices"]![0]!;
        var message = choice["message"]!;
        view._content.Append(message["content"]?.GetValue<string>());
        view._reasoning.Append(message["reasoning_content"]?.GetValue<string>());
        view._refusal.Append(message["refusal"]?.GetValue<string>());
        var calls = message["tool_calls"]?.AsArray() ?? [];
        for (var i = 0; i < calls.Count; i++)
        {
            view._toolCalls[i] = (calls[i]!["id"]!.GetValue<string>(), calls[i]!["function"]!["name"]!.GetValue<string>(), new StringBuilder(calls[i]!["function"]!["arguments"]!.GetValue<string>()));
        }

        view._finishReason = choice["finish_reason"]?.GetValue<string>();
        view._usage = Usage(node["usage"]);
        return view;
    }

    /// <summary>An OpenAI chat.completion.chunk stream (<c>data: …</c> events ending with <c>[DONE]</c>).</summary>
    public static ClientView FromSse(string stream)
    {
        var view = new ClientView();
        foreach (var e in stream.Replace("\r\n", "\n", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", e, StringComparison.Ordinal);
            var data = e["data: ".Length..];
            if (data == "[DONE]")
            {
                continue;
            }

            var chunk = JsonNode.Parse(data)!;
            if (chunk["error"] is { } error)
            {
                view._error = error.DeepClone();
                continue;
            }

            if (chunk["usage"] is JsonObject usage)
            {
                view._usage = Usage(usage);
            }

            foreach (var choice in chunk["choices"]!.AsArray())
            {
                var delta = choice!["delta"]!;
                view._content.Append(delta["content"]?.GetValue<string>());
                view._reasoning.Append(delta["reasoning_content"]?.GetValue<string>());
                view._refusal.Append(delta["refusal"]?.GetValue<string>());
                foreach (var call in delta["tool_calls"]?.AsArray() ?? [])
                {
                    view.AddToolCallFragment(call!["index"]!.GetValue<int>(), call["id"]?.GetValue<string>(), call["function"]?["name"]?.GetValue<string>(), call["function"]?["arguments"]?.GetValue<string>());
                }

                if (choice["finish_reason"]?.GetValue<string>() is { } finish)
                {
                    view._finishReason = finish;
                }
            }
        }

        return view;
    }

    public JsonObject ToJson()
    {
        if (_status is not null)
        {
            return new JsonObject { ["status"] = _status, ["error"] = _error?.DeepClone() };
        }

        var result = new JsonObject
        {
            ["content"] = Text(_content),
            ["reasoning"] = Text(_reasoning),
            ["refusal"] = Text(_refusal),
            ["tool_calls"] = new JsonArray([.. _toolCalls.Values.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["name"] = c.Name,
                ["arguments"] = c.Arguments.ToString(),
            })]),
            ["finish_reason"] = _finishReason,
            ["usage"] = _usage?.DeepClone(),
        };
        if (_error is not null)
        {
            result["stream_error"] = _error.DeepClone();
        }

        return result;
    }

    /// <summary>Id and name come once, on the first fragment of a call (OpenAI's streaming contract).</summary>
    private void AddToolCallFragment(int index, string? id, string? name, string? arguments)
    {
        if (_toolCalls.TryGetValue(index, out var call))
        {
            Assert.True(string.IsNullOrEmpty(id) || id == call.Id, $"tool call {index}: id repeated or changed on a later fragment");
            Assert.True(string.IsNullOrEmpty(name), $"tool call {index}: name repeated on a later fragment");
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(id), $"tool call {index}: no id on the first fragment");
            Assert.False(string.IsNullOrEmpty(name), $"tool call {index}: no name on the first fragment");
            call = (id, name, new StringBuilder());
            _toolCalls[index] = call;
        }

        call.Arguments.Append(arguments);
    }

    private static string? Text(StringBuilder text) => text.Length == 0 ? null : text.ToString();

    private static string FinishReason(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.FunctionCall => "function_call",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    private static JsonObject? Usage(ChatTokenUsage? usage) => usage is null ? null : new JsonObject
    {
        ["prompt_tokens"] = usage.InputTokenCount,
        ["completion_tokens"] = usage.OutputTokenCount,
        ["total_tokens"] = usage.TotalTokenCount,
        ["cached_tokens"] = usage.InputTokenDetails?.CachedTokenCount ?? 0,
        ["reasoning_tokens"] = usage.OutputTokenDetails?.ReasoningTokenCount ?? 0,
    };

    private static JsonObject? Usage(JsonNode? usage) => usage is null ? null : new JsonObject
    {
        ["prompt_tokens"] = usage["prompt_tokens"]!.GetValue<int>(),
        ["completion_tokens"] = usage["completion_tokens"]!.GetValue<int>(),
        ["total_tokens"] = usage["total_tokens"]!.GetValue<int>(),
        ["cached_tokens"] = usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<int>() ?? 0,
        ["reasoning_tokens"] = usage["completion_tokens_details"]?["reasoning_tokens"]?.GetValue<int>() ?? 0,
    };
}
