using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace MassRouter.Gateway.Tests.Embedded;

/// <summary>The newcomer's contract: with no configuration the gateway serves <c>sim/...</c> models from the in-process simulator.</summary>
public class EmbeddedDefaultTests
{
    [Fact]
    public async Task NoProviderConfigured_ServesSimulatorModels_WithTheDevKeyFromTheEnvironment()
    {
        const string devKey = "sk-mr-dev-from-environment";
        Environment.SetEnvironmentVariable("MASSROUTER_DEV_KEY", devKey);
        WebApplication app;
        try
        {
            app = await GatewayHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MASSROUTER_DEV_KEY", null);
        }

        await using (app)
        {
            await app.StartAsync();
            var address = new Uri(app.Urls.First());
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address, "v1/models"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", devKey);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var ids = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["data"]!.AsArray().Select(m => m!["id"]!.GetValue<string>()).ToList();
            Assert.Contains("sim/openai", ids);
            Assert.Contains("sim/anthropic", ids);
            Assert.Contains("sim/gemini", ids);
            Assert.Contains("sim/cohere", ids);
            Assert.Contains("sim/bedrock", ids);
            Assert.Contains("sim/embedding", ids);
            Assert.Contains("sim/responses", ids);
            Assert.All(ids, id => Assert.StartsWith("sim/", id, StringComparison.Ordinal));

            var client = new OpenAIClient(new ApiKeyCredential(devKey), new OpenAIClientOptions { Endpoint = new Uri(address, "v1") }).GetChatClient("sim/openai");
            var text = new System.Text.StringBuilder();
            await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("hello")]))
            {
                foreach (var part in update.ContentUpdate)
                {
                    text.Append(part.Text);
                }
            }

            Assert.False(string.IsNullOrWhiteSpace(text.ToString()));

            // sim/responses is served natively (its provider speaks the Responses API): stored responses and conversations work out of the box.
            var responses = new OpenAIClient(new ApiKeyCredential(devKey), new OpenAIClientOptions { Endpoint = new Uri(address, "v1") });
#pragma warning disable OPENAI001 // The SDK marks its Responses client experimental.
            var created = (await responses.GetResponsesClient().CreateResponseAsync("sim/responses", "hello")).Value;
            Assert.Equal(created.Id, (await responses.GetResponsesClient().GetResponseAsync(created.Id)).Value.Id);
#pragma warning restore OPENAI001
            using (var conversation = new HttpRequestMessage(HttpMethod.Post, new Uri(address, "v1/conversations")) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") })
            {
                conversation.Headers.Authorization = new AuthenticationHeaderValue("Bearer", devKey);
                using var answered = await http.SendAsync(conversation);
                Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
                Assert.Equal("sim-responses", answered.Headers.GetValues("x-massrouter-provider").Single());
            }

            // One process: the stored-response index stays in it, out of the embedded Garnet's memory budget (kept for money).
            Assert.IsType<Gateway.StoredResponses.LocalStoredResponseIndex>(app.Services.GetRequiredService<Gateway.StoredResponses.IStoredResponseIndex>());

            // The root says what the address serves, the embedded control API and its reference included.
            var index = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(address))!;
            Assert.Equal("/api", index["control_api"]!.GetValue<string>());
            using (var reference = await http.GetAsync(new Uri(address, index["control_api_reference"]!.GetValue<string>())))
            {
                Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
            }

            var embedding = await new OpenAIClient(new ApiKeyCredential(devKey), new OpenAIClientOptions { Endpoint = new Uri(address, "v1") })
                .GetEmbeddingClient("sim/embedding")
                .GenerateEmbeddingAsync("hello");
            Assert.Equal(1536, embedding.Value.ToFloats().Length);

            // The Messages API reaches the simulator's Anthropic endpoint as it is, its OpenAI and Bedrock ones through translation.
            using var anthropic = new MassRouter.Tests.Anthropic.AnthropicSdk(address, devKey, strict: true);
            foreach (var model in new[] { "sim/anthropic", "sim/openai", "sim/bedrock" })
            {
                var summary = await anthropic.StreamAsync(MassRouter.Tests.Anthropic.AnthropicSdk.Hello(model: model));
                Assert.StartsWith("Hello from the MassRouter simulator", summary.Text.ToString(), StringComparison.Ordinal);
                Assert.Equal("end_turn", summary.StopReason);
            }

            await app.StopAsync();
        }
    }

    // In this class because it changes MASSROUTER_DEV_KEY too: tests of one class never run in parallel.
    [Fact]
    public async Task RedisConfigured_InventsNoDevKey_UnlessMassRouterDevKeyIsSet()
    {
        using var garnet = Gateway.Redis.EmbeddedGarnet.Start("32m");
        string[] args = ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:MassRouter=Information", "--MassRouter:Redis=" + garnet.ConnectionString];
        var logs = new CapturingLoggerProvider();
        await using (var app = await GatewayHost.BuildAsync(args, builder => builder.Logging.AddProvider(logs)))
        {
            Assert.Empty(app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.ApiKeys);

            // A Redis of its own (here a Garnet standing in for one): the stored-response index is shared there.
            Assert.IsType<Gateway.StoredResponses.RedisStoredResponseIndex>(app.Services.GetRequiredService<Gateway.StoredResponses.IStoredResponseIndex>());
            await app.StartAsync();
            Assert.Contains(logs.Messages, m => m.Level == LogLevel.Information && m.Message.Contains("API keys come from Redis only", StringComparison.Ordinal));

            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(app.Urls.First()), "v1/models"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-mr-dev-guessed");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            await app.StopAsync();
        }

        const string devKey = "sk-mr-dev-explicit";
        Environment.SetEnvironmentVariable("MASSROUTER_DEV_KEY", devKey);
        WebApplication withKey;
        try
        {
            withKey = await GatewayHost.BuildAsync(args);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MASSROUTER_DEV_KEY", null);
        }

        await using (withKey)
        {
            Assert.Equal(devKey, Assert.Single(withKey.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.ApiKeys).Key);
        }
    }
}
