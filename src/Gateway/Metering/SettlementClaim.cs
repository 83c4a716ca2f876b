using System.Text.Json.Serialization;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// What makes a settlement exactly-once in <see cref="SettleScript"/>: removing the request's in-flight record, or, for a
/// request that never had one, a per-event marker key that lives <see cref="MeteringOptions.SettledMarkerTtl"/>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<SettlementClaim>))]
internal enum SettlementClaim
{
    /// <summary>
    /// No in-flight record is known to exist (admitted fail-open while Redis was unreachable, or its admission's answer
    /// was lost): charged only if <c>SET NX PX</c> on the event's marker succeeds; the record is removed should it exist
    /// after all. The default, so a spool or journal line written before claims existed replays exactly as it did then.
    /// </summary>
    Marker,

    /// <summary>
    /// The request was admitted through Redis, which recorded it in the account's in-flight hash: charged only if
    /// <c>HDEL</c> removed that record. Leaves nothing behind, so the common case costs Redis no memory per event.
    /// </summary>
    Inflight,

    /// <summary>
    /// The sweep charging a record it read (its gateway is gone): charged only if <c>HDEL</c> removed the record, and then
    /// also marked, so a late settlement of a request its gateway believed unrecorded (<see cref="Marker"/>) is a no-op.
    /// </summary>
    Sweep,
}
