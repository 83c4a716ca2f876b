using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace MassRouter.Simulator.Faults;

/// <summary>
/// The faults one request asked for through <c>x-sim-fault</c>, e.g. <c>slow-headers:200,midstream-error:3</c>:
/// <c>status:NNN</c>, <c>context-length</c>, <c>midstream-error:N</c>, <c>reset:N</c>, <c>slow-headers:MS</c>, <c>hold:ID</c>.
/// </summary>
internal sealed class FaultPlan
{
    private static readonly TimeSpan _resetDrainDelay = TimeSpan.FromMilliseconds(50);
    private static readonly object _resetMarker = new();

    public int? Status { get; private set; }

    /// <summary>
    /// True when the request is answered, before anything is generated, with the provider's own "context length exceeded"
    /// error (<c>context-length</c>, no argument); a <c>status</c> fault in the same header wins over it.
    /// </summary>
    public bool ContextLength { get; private set; }

    public int? MidstreamErrorAfter { get; private set; }

    public int? ResetAfter { get; private set; }

    public int SlowHeadersMs { get; private set; }

    public string? HoldId { get; private set; }

    public static bool TryParse(string value, [NotNullWhen(true)] out FaultPlan? plan, [NotNullWhen(false)] out string? error)
    {
        plan = new FaultPlan();
        error = null;
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? part : part[..colon].Trim();
            var argument = colon < 0 ? string.Empty : part[(colon + 1)..].Trim();
            var number = int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
            switch (name)
            {
                case "status" when number is >= 400 and <= 599:
                    plan.Status = number;
                    break;
                case "context-length" when colon < 0:
                    plan.ContextLength = true;
                    break;
                case "midstream-error" when number >= 0:
                    plan.MidstreamErrorAfter = number;
                    break;
                case "reset" when number >= 0:
                    plan.ResetAfter = number;
                    break;
                case "slow-headers" when number >= 0:
                    plan.SlowHeadersMs = number;
                    break;
                case "hold" when argument.Length > 0:
                    plan.HoldId = argument;
                    break;
                default:
                    error = $"Unknown or malformed fault '{part}'. Expected status:400-599, context-length, midstream-error:N, reset:N, slow-headers:MS or hold:ID, comma-separated.";
                    plan = null;
                    return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Applies the stream faults once <paramref name="written"/> chunks are on the wire (0 = none yet). A count larger than
    /// the stream fires after its last chunk. Returns false when the response must end here.
    /// </summary>
    public async ValueTask<bool> ContinueAfterChunkAsync(
        HttpContext context, int written, bool last, ReadOnlyMemory<byte> errorEvent, HoldGates gates)
    {
        if (HoldsAfter(written))
        {
            await gates.WaitAsync(HoldId!, context.RequestAborted);
        }

        if (ErrorsAfter(written, last))
        {
            await context.Response.BodyWriter.WriteAsync(errorEvent, context.RequestAborted);
            return false;
        }

        if (ResetsAfter(written, last))
        {
            await ResetAsync(context);
            return false;
        }

        return true;
    }

    /// <summary>True when the hold fault waits once <paramref name="written"/> chunks are out: after the first.</summary>
    public bool HoldsAfter(int written) => HoldId is not null && written == 1;

    /// <summary>True when the mid-stream error fires once <paramref name="written"/> chunks are out (<paramref name="last"/>: all of them).</summary>
    public bool ErrorsAfter(int written, bool last) => Fires(MidstreamErrorAfter, written, last);

    /// <summary>True when the reset fires once <paramref name="written"/> chunks are out (<paramref name="last"/>: all of them).</summary>
    public bool ResetsAfter(int written, bool last) => Fires(ResetAfter, written, last);

    /// <summary>Resets the connection after what was flushed has had a moment to reach the client.</summary>
    public static async Task ResetAsync(HttpContext context)
    {
        // Kestrel drops whatever its transport has not sent yet when the connection is aborted; give the socket sender
        // a moment so the client really receives the N chunks before the reset.
        await Task.Delay(_resetDrainDelay, context.RequestAborted);
        Reset(context);
    }

    /// <summary>True when a reset fault aborted this request (RequestAborted fires a little later, from another thread).</summary>
    public static bool WasReset(HttpContext context) => context.Items.ContainsKey(_resetMarker);

    /// <summary>Aborts the connection at once and marks the request as reset by a fault.</summary>
    public static void Reset(HttpContext context)
    {
        context.Items[_resetMarker] = true;
        context.Abort();
    }

    private static bool Fires(int? after, int written, bool last) => after is { } n && (n == written || (last && n > written));

    /// <summary>Applies hold and reset to a response that is not a stream. Returns false when the connection was reset.</summary>
    public async ValueTask<bool> ContinueBeforeBodyAsync(HttpContext context, HoldGates gates)
    {
        if (HoldId is not null)
        {
            await gates.WaitAsync(HoldId, context.RequestAborted);
        }

        if (ResetAfter is not null)
        {
            Reset(context);
            return false;
        }

        return true;
    }
}
