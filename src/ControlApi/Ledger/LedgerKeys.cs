using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Ledger;

/// <summary>
/// Redis keys only the control plane uses around an account's outbox (gateways never touch them); they carry the
/// account's hash tag like the outbox itself.
/// </summary>
internal static class LedgerKeys
{
    /// <summary>Events the flusher could not parse, set aside for an operator.</summary>
    public static string DeadLetters(string account) => RedisKeys.Outbox(account) + ":dead";

    /// <summary>While set, the flusher starts no new batch for the account (reconciliation reads a still picture).</summary>
    public static string Pause(string account) => RedisKeys.Outbox(account) + ":pause";
}
