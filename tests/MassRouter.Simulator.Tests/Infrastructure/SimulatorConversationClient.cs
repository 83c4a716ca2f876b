// The SDK marks its Conversations client experimental; it is what OpenAI SDK users call.
#pragma warning disable OPENAI001
using OpenAI.Conversations;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>The official OpenAI SDK's Conversations client pointed at a simulator.</summary>
internal static class SimulatorConversationClient
{
    /// <summary>A client of <paramref name="simulator"/>'s <c>/v1</c>, <paramref name="headers"/> on every request, no retries.</summary>
    public static ConversationClient Create(SimulatorFixture simulator, params (string Name, string Value)[] headers) =>
        SimulatorResponsesClient.CreateOpenAIClient(simulator, headers).GetConversationClient();
}
