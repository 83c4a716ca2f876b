namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>The <c>status</c> of a Response object of the Responses API.</summary>
internal enum OpenAIResponseStatus
{
    /// <summary>Created in the background, not generating yet.</summary>
    Queued,

    InProgress,

    /// <summary>Finished whole: the output and the usage.</summary>
    Completed,

    /// <summary>Finished with the text cut by <c>max_output_tokens</c>: the output and the usage.</summary>
    Incomplete,

    /// <summary>Ended by a server error: an <c>error</c>, no output, no usage.</summary>
    Failed,

    /// <summary>A background response stopped by a cancel: no output, no usage.</summary>
    Cancelled,
}
