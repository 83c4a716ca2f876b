namespace MassRouter.Gateway.Redis;

/// <summary>
/// One RESP2 reply as the metering scripts return them: an integer, a status or bulk string, an error, or an array of
/// scalars (read as integers; nil reads as 0, as Lua's <c>false</c> arrives as nil).
/// </summary>
internal readonly struct RespReply
{
    private RespReply(RespReplyKind kind, long integer, string? text, long[]? array)
    {
        Kind = kind;
        Integer = integer;
        Text = text;
        Array = array;
    }

    public RespReplyKind Kind { get; }

    public long Integer { get; }

    /// <summary>The error message or the string of a status or bulk reply.</summary>
    public string? Text { get; }

    public long[]? Array { get; }

    public bool IsError => Kind == RespReplyKind.Error;

    public static RespReply FromInteger(long value) => new(RespReplyKind.Integer, value, null, null);

    public static RespReply FromText(string? value) => new(RespReplyKind.Text, 0, value, null);

    public static RespReply FromError(string message) => new(RespReplyKind.Error, 0, message, null);

    public static RespReply FromArray(long[] values) => new(RespReplyKind.Array, 0, null, values);
}
