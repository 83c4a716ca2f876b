using System.Threading.RateLimiting;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// One admitted (or rejected) request as metering sees it, from admission to settlement: holds the key's concurrency
/// lease, the prompt estimate and the delivered-output collector, and refreshes its in-flight record with the output a
/// long stream has delivered. Dispose at the end of the request.
/// </summary>
internal sealed class MeteredRequest : IDisposable, IDeliveryProgress
{
    /// <summary>Rejected; the error response has been written.</summary>
    public static readonly MeteredRequest Rejected = new(null, 0, null) { IsRejected = true };

    /// <summary>A key without an account (from configuration): not metered.</summary>
    public static readonly MeteredRequest Unmetered = new(null, 0, null);

    private RateLimitLease? _lease;

    public MeteredRequest(ApiKeyInfo? key, long promptEstimate, RateLimitLease? lease, string eventId = "")
    {
        EventId = eventId;
        Key = key;
        PromptEstimate = promptEstimate;
        _lease = lease;
        Output = key is null ? null : new DeliveredOutput();
    }

    public bool IsRejected { get; private init; }

    /// <summary>The metered key, or null when unmetered or rejected.</summary>
    public ApiKeyInfo? Key { get; }

    public long PromptEstimate { get; }

    /// <summary>The usage event id, chosen at admission (it names the in-flight record too).</summary>
    public string EventId { get; }

    /// <summary>False when admitted without Redis (fail-open): no in-flight record exists.</summary>
    public bool HasInflightRecord { get; init; }

    /// <summary>Set when admitted without waiting for Redis: its answer decides how settlement claims the event.</summary>
    public OptimisticAdmission? Optimistic { get; init; }

    /// <summary>Collects relayed output, for billing a stream whose final usage never came.</summary>
    public DeliveredOutput? Output { get; }

    /// <summary>The limits state for the <c>x-ratelimit-*</c> headers.</summary>
    public RateLimitState Limits { get; init; }

    /// <summary>The public model id the request was admitted for (priced for the in-flight record).</summary>
    public string Model { get; init; } = "";

    /// <summary>The gateway's request id.</summary>
    public string RequestId { get; init; } = "";

    /// <summary>The end user the request is for, as the client named it (its usage event's <c>user</c>); null when none.</summary>
    public string? EndUser { get; init; }

    /// <summary>The end user's spend field when the key caps its end users (see <see cref="Limits.EndUserSpend"/>).</summary>
    public string? EndUserField { get; init; }

    /// <summary>When admission ran (Unix ms).</summary>
    public long AdmittedAt { get; init; }

    /// <summary>
    /// A settlement, journalled, waiting for the answer to its optimistic admission before it is queued (it must not
    /// reach Redis first): kept here, so waiting costs no closure.
    /// </summary>
    internal (JournalledSettlement Journalled, bool MayLinger) AwaitingAnswer { get; set; }

    /// <summary>The response its <c>x-ratelimit-*</c> headers go on (set when there are limits to report).</summary>
    internal HttpResponse? Response { get; set; }

    /// <summary>Who refreshes the in-flight record (null: no progress reports).</summary>
    public RequestMeter? Meter { get; init; }

    void IDeliveryProgress.OnDelivered(DeliveredOutput output) => Meter?.ReportProgress(this, output);

    public void Dispose()
    {
        Interlocked.Exchange(ref _lease, null)?.Dispose();
        Output?.Dispose();
    }
}
