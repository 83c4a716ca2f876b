namespace MassRouter.Gateway.Metering;

/// <summary>
/// A settlement as the journal holds it: its place there (null when the journal could not take it) and its usage event's
/// JSON (the same whatever the claim the settlement is queued with).
/// </summary>
internal readonly record struct JournalledSettlement(Settlement Settlement, JournalSegment? Entry, EventJson EventJson);
