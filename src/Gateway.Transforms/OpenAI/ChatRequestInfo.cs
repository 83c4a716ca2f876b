namespace MassRouter.Gateway.Transforms.OpenAI;

/// <summary>What the gateway needs to know of an OpenAI chat-completions request body, with byte offsets for rewriting.</summary>
public readonly struct ChatRequestInfo
{
    /// <summary>The public model id the client asked for.</summary>
    public string Model { get; init; }

    /// <summary>Offset of the model value token (its opening quote).</summary>
    public int ModelTokenStart { get; init; }

    /// <summary>Length of the model value token, quotes included.</summary>
    public int ModelTokenLength { get; init; }

    /// <summary>True when the client asked for a streamed response.</summary>
    public bool Stream { get; init; }

    /// <summary>How <c>stream_options</c> appears in the body.</summary>
    public StreamOptionsShape StreamOptions { get; init; }

    /// <summary>Offset of the <c>stream_options</c> value token (its '{' or 'n' of null).</summary>
    public int StreamOptionsStart { get; init; }

    /// <summary>Length of the <c>stream_options</c> value.</summary>
    public int StreamOptionsLength { get; init; }

    /// <summary>True when the client itself asked for <c>stream_options.include_usage: true</c>.</summary>
    public bool ClientRequestedUsage { get; init; }

    /// <summary>Offset of an explicit <c>include_usage</c> value that is not <c>true</c>, or -1.</summary>
    public int IncludeUsageValueStart { get; init; }

    /// <summary>Length of that value token.</summary>
    public int IncludeUsageValueLength { get; init; }

    /// <summary><c>max_completion_tokens</c> or <c>max_tokens</c>, when given.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>
    /// <c>n</c>, the choices asked for, when it is an integer from 1 to 128 (each may use <see cref="MaxTokens"/>); read
    /// only to bound the request's cost: the provider validates it.
    /// </summary>
    public int? Choices { get; init; }

    /// <summary>
    /// The end user the request is for, when it was read from another body than the one this describes (Anthropic's
    /// <c>metadata.user_id</c> of a body sent as the client wrote it); else see <see cref="ReadUser"/>.
    /// </summary>
    public string? User { get; init; }

    /// <summary>Offset of the end user's string token (<c>user</c>, else <c>safety_identifier</c>), its opening quote.</summary>
    public int UserTokenStart { get; init; }

    /// <summary>Length of that token, quotes included; 0 when the client named no end user.</summary>
    public int UserTokenLength { get; init; }

    /// <summary>
    /// The end user the request is for (see <see cref="EndUser"/>), read from <paramref name="body"/>, the body this
    /// describes, only when asked: the usage ledger wants it for metered keys alone. Null when the client named none.
    /// </summary>
    public string? ReadUser(ReadOnlySpan<byte> body) =>
        User ?? (UserTokenLength > 0 && UserTokenStart + UserTokenLength <= body.Length
            ? EndUser.Decode(body.Slice(UserTokenStart, UserTokenLength))
            : null);

    /// <summary>OpenRouter-style <c>models</c>: further public model ids to fall back to, in order; null when absent.</summary>
    public IReadOnlyList<string>? FallbackModels { get; init; }

    /// <summary>OpenRouter-style <c>provider</c> routing preferences; null when absent.</summary>
    public ProviderPreferences? Provider { get; init; }

    /// <summary>Byte ranges of gateway-only properties (<c>models</c>, <c>provider</c>) to remove before forwarding.</summary>
    public GatewayPropertyRanges GatewayProperties { get; init; }
}

/// <summary>Up to two property ranges (name through value) that only the gateway reads.</summary>
public readonly record struct GatewayPropertyRanges(int FirstStart, int FirstEnd, int SecondStart, int SecondEnd)
{
    /// <summary>True when there is anything to remove.</summary>
    public bool Any => FirstEnd > FirstStart;
}

/// <summary>How the <c>stream_options</c> field appears in a request.</summary>
public enum StreamOptionsShape
{
    /// <summary>Not present.</summary>
    Absent,

    /// <summary>Present as <c>null</c>.</summary>
    Null,

    /// <summary>An empty object <c>{}</c>.</summary>
    EmptyObject,

    /// <summary>An object with at least one property.</summary>
    WithProperties,
}
