using System.Net;
using System.Text;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Tests.Resilience;

namespace MassRouter.Gateway.Tests.Forwarding;

/// <summary>
/// The provider's id for a request comes back as <c>x-upstream-request-id</c>, whatever header the provider used, and never
/// as a second id beside the gateway's.
/// </summary>
[Collection(ResilienceCollection.Name)]
public class UpstreamRequestIdTests(ResilienceFixture gateway)
{
    [Fact]
    public async Task AnAnthropicProvidersRequestId_IsTheUpstreamId_OnChatCompletions_AndOnMessages()
    {
        using (var chat = await SendAsync("v1/chat/completions", """{"model":"r/anthropic-then-openai","messages":[{"role":"user","content":"Hi"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            Assert.StartsWith("req_", Header(chat, "x-upstream-request-id"), StringComparison.Ordinal);
            Assert.False(chat.Headers.Contains("request-id"), "Anthropic's request-id is not relayed beside x-request-id");
            Assert.NotEqual(Header(chat, "x-upstream-request-id"), Header(chat, "x-request-id"));
        }

        using (var messages = await SendAsync("v1/messages", """{"model":"r/anthropic-then-openai","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, messages.StatusCode);
            Assert.StartsWith("req_", Header(messages, "x-upstream-request-id"), StringComparison.Ordinal);
            // Anthropic's SDKs read request-id: it is the gateway's id, as x-request-id.
            Assert.Equal(Header(messages, "x-request-id"), Header(messages, "request-id"));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.GatewayAddress, path))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", GatewayFixture.Key);
        request.Headers.Add("x-sim-tokens", "3");
        return await gateway.Http.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";
}
