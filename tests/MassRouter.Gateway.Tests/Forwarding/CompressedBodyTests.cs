using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>Request bodies the client compressed, as OpenAI's and Anthropic's APIs take them.</summary>
[Collection(GatewayCollection.Name)]
public class CompressedBodyTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    [InlineData("identity")]
    public async Task CompressedChatRequest_IsServed_AndReachesTheProviderDecoded(string coding)
    {
        var id = "compressed-chat-" + coding;
        var json = """{"model":"test/gpt","messages":[{"role":"user","content":"hello, compressed"}]}""";
        using var request = Post("v1/chat/completions", Encode(json, coding), coding, ("Authorization", "Bearer " + GatewayFixture.Key), ("x-sim-request-id", id));
        using var response = await gateway.Http.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var received = await gateway.RecordedRequestAsync(id);
        Assert.DoesNotContain(received["headers"]!.AsObject(), h => h.Key.Equals("content-encoding", StringComparison.OrdinalIgnoreCase));
        var body = JsonNode.Parse(received["body"]!.GetValue<string>())!;
        Assert.Equal("sim-upstream-model", body["model"]!.GetValue<string>());
        Assert.Equal("hello, compressed", body["messages"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task CompressedMessagesRequest_IsServed()
    {
        var json = """{"model":"test/claude","max_tokens":32,"messages":[{"role":"user","content":"hello"}]}""";
        using var request = Post("v1/messages", Encode(json, "gzip"), "gzip", ("x-api-key", GatewayFixture.Key), ("anthropic-version", "2023-06-01"));
        using var response = await gateway.Http.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        Assert.Equal("message", JsonNode.Parse(text)!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task CompressedBody_DecodingPastTheLimit_Is413()
    {
        // 1 MB of spaces inside valid JSON compresses to about a kilobyte; the fixture's limit is 64 KB.
        var json = $$"""{"model":"test/gpt","messages":[{"role":"user","content":"{{new string(' ', 1024 * 1024)}}"}]}""";
        var compressed = Encode(json, "gzip");
        Assert.True(compressed.Length < GatewayFixture.MaxBodyBytes);
        using var request = Post("v1/chat/completions", compressed, "gzip", ("Authorization", "Bearer " + GatewayFixture.Key));
        using var response = await gateway.Http.SendAsync(request);

        await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task UnsupportedEncoding_Is415_SayingWhatIsTaken()
    {
        using var request = Post("v1/chat/completions", [0x28, 0xb5, 0x2f, 0xfd], "zstd", ("Authorization", "Bearer " + GatewayFixture.Key));
        using var response = await gateway.Http.SendAsync(request);

        var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_content_encoding");
        Assert.Equal("Unsupported Content-Encoding 'zstd': send the body uncompressed, or compressed with gzip, deflate or br.", error["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task BodyNotInItsEncoding_Is400_InEachRoutesShape()
    {
        var plain = Encoding.UTF8.GetBytes("""{"model":"test/gpt","messages":[{"role":"user","content":"hi"}]}""");
        using (var request = Post("v1/chat/completions", plain, "gzip", ("Authorization", "Bearer " + GatewayFixture.Key)))
        using (var response = await gateway.Http.SendAsync(request))
        {
            var error = await OpenAIErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest, "invalid_content_encoding");
            Assert.Equal("The request body is not valid gzip data.", error["message"]!.GetValue<string>());
        }

        using (var request = Post("v1/messages", plain, "br", ("x-api-key", GatewayFixture.Key)))
        using (var response = await gateway.Http.SendAsync(request))
        {
            Assert.Equal("The request body is not valid br data.", await AnthropicErrorAssert.IsErrorAsync(response, HttpStatusCode.BadRequest));
        }
    }

    private HttpRequestMessage Post(string path, byte[] body, string coding, params (string Name, string Value)[] headers)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add(coding);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, path)) { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    private static byte[] Encode(string json, string coding)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        if (coding == "identity")
        {
            return bytes;
        }

        using var output = new MemoryStream();
        using (Stream encoder = coding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
        })
        {
            encoder.Write(bytes);
        }

        return output.ToArray();
    }
}
