using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// <c>x-massrouter-user</c>: the end user a request is for, named to the gateway only (never forwarded), for the usage
/// ledger's spend per end user. It wins over the one the body names to the provider (<see cref="ChatRequestInfo.ReadUser"/>):
/// an app can attribute requests without telling the provider who its users are, on any route.
/// </summary>
internal static class EndUserHeader
{
    public const string Name = "x-massrouter-user";

    public const string ErrorCode = "invalid_user";

    public static readonly string ErrorMessage = $"The {Name} header must name the end user in 1 to {EndUser.MaxLength} characters.";

    /// <summary>The header's end user (null without the header). False when it is empty or longer than <see cref="EndUser.MaxLength"/>.</summary>
    public static bool TryRead(HttpContext context, out string? user)
    {
        if (!context.Request.Headers.TryGetValue(Name, out var header))
        {
            user = null;
            return true;
        }

        user = header.ToString();
        return user.Length is > 0 and <= EndUser.MaxLength;
    }
}
