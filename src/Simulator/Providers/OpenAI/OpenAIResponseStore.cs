namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The Responses API's stored responses of one simulator, as OpenAI keeps those created with <c>store</c> on: the newest
/// <see cref="OpenAIObjectStore{T}.DefaultCapacity"/> are kept, the oldest dropped first.
/// </summary>
internal sealed class OpenAIResponseStore(int capacity = OpenAIObjectStore<OpenAIStoredResponse>.DefaultCapacity)
    : OpenAIObjectStore<OpenAIStoredResponse>(capacity);
