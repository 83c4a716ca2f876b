using System.Net.Http.Headers;
using MassRouter.Simulator.Tests.Infrastructure;

namespace MassRouter.Simulator.Tests.Replay;

[Collection(SimulatorCollection.Name)]
public sealed class FixtureReplayTests(SimulatorFixture simulator)
{
    public static TheoryData<string> AnthropicFixtures => [.. Fixtures.ResponsesOf("anthropic")];

    public static TheoryData<string> GeminiFixtures => [.. Fixtures.ResponsesOf("google")];

    public static TheoryData<string> CohereFixtures => [.. Fixtures.ResponsesOf("cohere")];

    [Theory]
    [MemberData(nameof(AnthropicFixtures))]
    public Task AnthropicFixture_IsReplayedByteForByte(string fixture) =>
        AssertReplayAsync("/v1/messages", fixture, """{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}""");

    [Theory]
    [MemberData(nameof(GeminiFixtures))]
    public Task GeminiFixture_IsReplayedByteForByte(string fixture) =>
        AssertReplayAsync(
            Fixtures.IsStream(fixture) ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse" : "/v1beta/models/gemini-2.5-flash:generateContent",
            fixture,
            """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}""");

    [Theory]
    [MemberData(nameof(CohereFixtures))]
    public Task CohereFixture_IsReplayedByteForByte(string fixture) =>
        AssertReplayAsync("/v2/chat", fixture, """{"model":"command-a-03-2025","messages":[{"role":"user","content":"Hi"}]}""");

    [Fact]
    public void EveryProviderFolder_HasFixturesToReplay()
    {
        Assert.Equal(19, Fixtures.ResponsesOf("anthropic").Count());
        Assert.Equal(13, Fixtures.ResponsesOf("google").Count());
        Assert.Equal(12, Fixtures.ResponsesOf("cohere").Count());
    }

    private async Task AssertReplayAsync(string path, string fixture, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, MediaTypeHeaderValue.Parse("application/json")) };
        request.Headers.Add("x-sim-fixture", fixture);
        using var response = await simulator.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(Fixtures.ExpectedStatus(fixture), (int)response.StatusCode);
        Assert.Equal(Fixtures.IsStream(fixture) ? "text/event-stream" : "application/json", response.Content.Headers.ContentType?.MediaType);
        var expected = Fixtures.ExpectedReplay(fixture);
        var actual = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{fixture}: replayed bytes differ from the fixture.");
    }
}
