using System.IO.Pipelines;

namespace MassRouter.Simulator.Exchange;

/// <summary>
/// Remembers on the request that a write found the client gone (the connection's output completed or cancelled), so
/// the request is recorded as aborted even when Kestrel's RequestAborted fires only after the handler has unwound.
/// </summary>
internal static class ClientGone
{
    private static readonly object Marker = new();

    /// <summary>False, and the request marked, when <paramref name="result"/> says the client is gone; true to go on.</summary>
    public static bool CanContinue(HttpContext context, FlushResult result)
    {
        if (result.IsCanceled || result.IsCompleted)
        {
            context.Items[Marker] = true;
            return false;
        }

        return true;
    }

    /// <summary>True when a write of this request found the client gone.</summary>
    public static bool Was(HttpContext context) => context.Items.ContainsKey(Marker);
}
