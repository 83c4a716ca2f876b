namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// The Conversations API's conversations of one simulator: the newest <see cref="OpenAIObjectStore{T}.DefaultCapacity"/>
/// created are kept, the oldest dropped first.
/// </summary>
internal sealed class OpenAIConversationStore(int capacity = OpenAIObjectStore<OpenAIConversation>.DefaultCapacity)
    : OpenAIObjectStore<OpenAIConversation>(capacity);
