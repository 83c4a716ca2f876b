using MassRouter.Core.Usage;

namespace MassRouter.Gateway.Metering;

/// <summary>A usage event to settle, with what the settle script needs beyond it (also the spool's line format).</summary>
/// <param name="Event">The usage event; its id makes settlement idempotent.</param>
/// <param name="KeyTpm">The key's TPM limit, to move its window by <paramref name="TokenDelta"/>.</param>
/// <param name="TokenDelta">Actual minus estimated tokens counted at admission.</param>
internal sealed record Settlement(UsageEvent Event, long KeyTpm, long TokenDelta);
