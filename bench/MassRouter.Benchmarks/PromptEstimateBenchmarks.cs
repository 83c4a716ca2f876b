using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Metering;

namespace MassRouter.Benchmarks;

/// <summary>
/// Metering's prompt estimate, taken on every metered request's path before it is admitted: the o200k count of the
/// prompt's text against a token per 4 bytes of it, for a 2 KB chat, a 64 KB agent conversation with tools, and a chat
/// carrying a 256 KB image as a data URL.
/// </summary>
[MemoryDiagnoser]
public class PromptEstimateBenchmarks
{
    private readonly InputTokenEstimator _estimator = new(new TokenCounter());
    private byte[] _body = [];

    [Params("chat-2k", "agent-64k", "image-256k")]
    public string Body { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        static string Message(int i, int length) =>
            $$"""{"role":"{{(i % 2 == 0 ? "user" : "assistant")}}","content":"Message {{i}}: {{string.Concat(Enumerable.Repeat("The gateway relays every token the moment it arrives; ", length / 55 + 1))[..length]}}"}""";
        const string Parameters = "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":\"The file's path\"}},\"required\":[\"path\"]}";
        var tools = string.Join(",", Enumerable.Range(0, 8).Select(i =>
            "{\"type\":\"function\",\"function\":{\"name\":\"tool_" + i + "\",\"description\":\"Reads a file of the repository and returns its text.\",\"parameters\":" + Parameters + "}}"));
        var json = Body switch
        {
            "chat-2k" => $$"""{"model":"gpt-4o-mini","messages":[{{string.Join(",", Enumerable.Range(0, 8).Select(i => Message(i, 220)))}}]}""",
            "agent-64k" => $$"""{"model":"gpt-5","messages":[{{string.Join(",", Enumerable.Range(0, 40).Select(i => Message(i, 1_550)))}}],"tools":[{{tools}}]}""",
            _ => $$"""{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,{{Convert.ToBase64String(new byte[192 * 1024])}}"}""" + "}]}]}",
        };
        _body = Encoding.UTF8.GetBytes(json);
        _estimator.Estimate(_body);
    }

    [Benchmark(Baseline = true)]
    public int Exact() => _estimator.Estimate(_body);

    [Benchmark]
    public int Approximate() => _estimator.Approximate(_body);
}
