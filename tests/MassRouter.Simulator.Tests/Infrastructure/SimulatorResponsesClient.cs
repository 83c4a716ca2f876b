// The SDK marks its Responses client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using System.ClientModel;
using System.ClientModel.Primitives;
using MassRouter.Tests.Sdk;
using OpenAI;
using OpenAI.Responses;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>The official OpenAI SDK's Responses client (and its root client) pointed at a simulator.</summary>
internal static class SimulatorResponsesClient
{
    /// <summary>
    /// A client of <paramref name="simulator"/>'s <c>/v1</c> (the model goes in each request), <paramref name="headers"/> on
    /// every request, no retries: a 429 or 500 fault must reach the test.
    /// </summary>
    public static ResponsesClient Create(SimulatorFixture simulator, params (string Name, string Value)[] headers) =>
        CreateOpenAIClient(simulator, headers).GetResponsesClient();

    /// <summary>The SDK's root client with those settings; the Conversations client comes from it too.</summary>
    public static OpenAIClient CreateOpenAIClient(SimulatorFixture simulator, params (string Name, string Value)[] headers)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = new Uri(simulator.Address, "v1"),
            NetworkTimeout = TimeSpan.FromSeconds(30),
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        };
        options.AddPolicy(new HeadersPolicy(headers.ToDictionary(h => h.Name, h => h.Value)), PipelinePosition.PerCall);
        return new OpenAIClient(new ApiKeyCredential("sk-sim"), options);
    }
}
