using System.Globalization;
using System.Text;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Engine;

/// <summary>
/// A request built once and sent many times: its URI, header pairs and body bytes are shared, so sending it allocates only
/// the <see cref="HttpRequestMessage"/> itself.
/// </summary>
internal sealed class RequestTemplate
{
    private RequestTemplate(string label, Uri uri, KeyValuePair<string, string>[] headers, byte[] body, bool streaming, int expectedContentFrames, bool expectFailure)
    {
        Label = label;
        Uri = uri;
        Headers = headers;
        Body = body;
        Streaming = streaming;
        ExpectedContentFrames = expectedContentFrames;
        ExpectFailure = expectFailure;
    }

    public string Label { get; }

    public Uri Uri { get; }

    public KeyValuePair<string, string>[] Headers { get; }

    public byte[] Body { get; }

    public bool Streaming { get; }

    /// <summary>Content frames a complete stream carries; 0 skips the check.</summary>
    public int ExpectedContentFrames { get; }

    /// <summary>The request carries an injected upstream fault: its failure is expected, not a gateway error.</summary>
    public bool ExpectFailure { get; }

    public static RequestTemplate Chat(TargetSpec target, string label, ChatShape shape)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(shape);
        var model = shape.Model ?? target.Model;
        var headers = new List<KeyValuePair<string, string>>(target.Headers.Count + 5);
        foreach (var header in target.Headers)
        {
            if (shape.ApiKey is null || !string.Equals(header.Key, "Authorization", StringComparison.OrdinalIgnoreCase))
            {
                headers.Add(header);
            }
        }

        if (shape.ApiKey is not null)
        {
            headers.Add(new("Authorization", "Bearer " + shape.ApiKey));
        }

        headers.Add(new("x-sim-tokens", shape.Tokens.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new("x-sim-ttft-ms", shape.TimeToFirstTokenMs.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new("x-sim-itl-ms", shape.InterTokenMs.ToString(CultureInfo.InvariantCulture)));
        if (shape.Fault is not null)
        {
            headers.Add(new("x-sim-fault", shape.Fault));
        }

        string path, body;
        var stream = shape.Stream ? "true" : "false";
        if (shape.EmbeddingInputs > 0)
        {
            path = "v1/embeddings";
            var texts = string.Join(",", Enumerable.Range(0, shape.EmbeddingInputs).Select(i => $"\"Passage {i} of a document being indexed for retrieval.\""));
            body = $$"""{"model":"{{model}}","input":[{{texts}}]}""";
        }
        else if (shape.Messages)
        {
            headers.Add(new("anthropic-version", "2023-06-01"));
            path = "v1/messages";
            body = $$"""{"model":"{{model}}","max_tokens":1024,"messages":[{"role":"user","content":"Benchmark request: answer briefly."}],"stream":{{stream}}}""";
        }
        else if (shape.Responses)
        {
            path = "v1/responses";
            body = $$$"""{"model":"{{{model}}}","instructions":"You are a coding agent. Answer briefly.","input":[{"role":"user","content":[{"type":"input_text","text":"Benchmark request: answer briefly."}]}],"tools":[{"type":"function","name":"exec_command","description":"Runs a shell command.","strict":false,"parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}}],"tool_choice":"auto","store":false,"stream":{{{stream}}}}""";
        }
        else
        {
            path = "v1/chat/completions";
            body = $$"""{"model":"{{model}}","messages":[{"role":"user","content":"Benchmark request: answer briefly."}],"stream":{{stream}}}""";
        }

        var baseUrl = target.BaseUrl.AbsoluteUri.EndsWith('/') ? target.BaseUrl : new Uri(target.BaseUrl.AbsoluteUri + "/");
        return new RequestTemplate(
            label,
            new Uri(baseUrl, path),
            [.. headers],
            Encoding.UTF8.GetBytes(body),
            shape.Stream,
            shape.Stream && !shape.Messages ? shape.Tokens : 0,
            shape.Fault is not null);
    }
}
