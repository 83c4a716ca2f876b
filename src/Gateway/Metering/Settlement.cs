using System.Text.Json.Serialization;
using MassRouter.Core.Usage;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// A usage event to settle, with what the settle script needs beyond it (also the line format of the spool and the
/// journal, and the value of an in-flight record).
/// </summary>
/// <param name="Event">The usage event; its id makes settlement idempotent.</param>
/// <param name="KeyTpm">The key's TPM limit, to move its window by <paramref name="TokenDelta"/>.</param>
/// <param name="TokenDelta">Actual minus estimated tokens counted at admission.</param>
/// <param name="Instance">In an in-flight record: the id of the gateway instance serving the request, whose heartbeat
/// tells the sweep whether the request can still be settled by its own gateway.</param>
/// <param name="Claim">What makes the settlement exactly-once (left out of the JSON when <see cref="SettlementClaim.Marker"/>,
/// as in lines written before claims existed and in in-flight records, which the sweep settles as <see cref="SettlementClaim.Sweep"/>).</param>
internal sealed record Settlement(
    UsageEvent Event,
    long KeyTpm,
    long TokenDelta,
    string? Instance = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] SettlementClaim Claim = SettlementClaim.Marker)
{
    /// <summary>
    /// The end user's field in the spend hashes (<see cref="Limits.EndUserSpend"/>) when the request went through a key
    /// that caps its end users: the charge is counted there too. Absent otherwise (and in lines written before it existed).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EndUserField { get; init; }
}
