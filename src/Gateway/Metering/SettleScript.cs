using System.Globalization;
using MassRouter.Core.Redis;
using MassRouter.Core.Usage;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The settlement, one Lua call in the account's hash slot: claims the event (see <see cref="SettlementClaim"/>: for a
/// request admitted through Redis, removing its in-flight record is the claim and nothing is left behind; only a request
/// that never had a record, and a sweep, use a per-event marker), so a replay of the same event is a no-op; then charges
/// the balance, bumps the daily and monthly spend and token counters of the key and the account, moves the TPM windows
/// by the difference between actual and estimated tokens, and pushes the event onto the outbox. Lua only adds integers;
/// the cost was computed in C#. Outside Redis Cluster it also announces the account to the ledger flusher
/// (<c>SADD mr:outbox:accounts</c>), which under Cluster lives in another slot and is a command of its own.
/// </summary>
internal static class SettleScript
{
    public const int Settled = 1;
    public const int Duplicate = 0;

    private const long DailyTtlMs = 8L * 24 * 3600 * 1000;
    private const long MonthlyTtlMs = 400L * 24 * 3600 * 1000;

    // KEYS: 1 account, 2 outbox, 3 daily spend, 4 monthly spend, 5 settled marker, 6 key tpm, 7 account tpm, 8 daily tokens,
    //       9 in-flight, 10 (optional) the flusher's account set
    // ARGV: 1 cost, 2 -cost, 3 event json, 4 key field, 5 marker ttl ms, 6 key tpm, 7 token delta, 8 tokens in,
    //       9 tokens out, 10 daily ttl ms, 11 monthly ttl ms, 12 event id, 13 account, 14 claim (marker, inflight, sweep)
    // The record goes in every case (a request whose admission answer was lost has one after all). An in-flight record is
    // only ever removed by a charge (this script) or by a release with nothing to bill, so its absence means "settled"
    // for a request that had one; only the other two claims touch the marker key.
    public const string Lua = """
        local removed = redis.call('HDEL', KEYS[9], ARGV[12]) == 1
        if ARGV[14] == 'marker' then
          if not redis.call('SET', KEYS[5], '1', 'NX', 'PX', ARGV[5]) then return 0 end
        elseif not removed then
          return 0
        elseif ARGV[14] == 'sweep' then
          redis.call('SET', KEYS[5], '1', 'PX', ARGV[5])
        end
        if ARGV[1] ~= '0' then
          redis.call('HINCRBY', KEYS[1], 'balance_nanos', ARGV[2])
          redis.call('HINCRBY', KEYS[3], 'account', ARGV[1])
          redis.call('HINCRBY', KEYS[3], ARGV[4], ARGV[1])
          redis.call('PEXPIRE', KEYS[3], ARGV[10])
          redis.call('HINCRBY', KEYS[4], 'account', ARGV[1])
          redis.call('HINCRBY', KEYS[4], ARGV[4], ARGV[1])
          redis.call('PEXPIRE', KEYS[4], ARGV[11])
        end
        redis.call('HINCRBY', KEYS[8], 'account:in', ARGV[8])
        redis.call('HINCRBY', KEYS[8], 'account:out', ARGV[9])
        redis.call('HINCRBY', KEYS[8], ARGV[4] .. ':in', ARGV[8])
        redis.call('HINCRBY', KEYS[8], ARGV[4] .. ':out', ARGV[9])
        redis.call('PEXPIRE', KEYS[8], ARGV[10])
        local delta = tonumber(ARGV[7])
        if delta ~= 0 then
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          local limits = {{KEYS[6], tonumber(ARGV[6]) or 0}, {KEYS[7], tonumber(redis.call('HGET', KEYS[1], 'tpm')) or 0}}
          for _, l in ipairs(limits) do
            local tat = tonumber(redis.call('GET', l[1]))
            if l[2] > 0 and tat then
              tat = tat + delta * 60000 / l[2]
              if tat > now then
                redis.call('SET', l[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
              else
                redis.call('DEL', l[1])
              end
            end
          end
        end
        redis.call('RPUSH', KEYS[2], ARGV[3])
        if KEYS[10] then redis.call('SADD', KEYS[10], ARGV[13]) end
        return 1
        """;

    /// <summary>The script as the request-path pipeline sends it.</summary>
    public static readonly Redis.RespScript Script = new(Lua);

    /// <summary>The script's keys; <paramref name="announce"/> adds the flusher's account set (never under Cluster).</summary>
    public static RedisKey[] Keys(Settlement settlement, bool announce)
    {
        var usage = settlement.Event;
        var account = usage.Account;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(usage.EndedAt);
        return
        [
            RedisKeys.Account(account),
            RedisKeys.Outbox(account),
            RedisKeys.DailySpend(account, at),
            RedisKeys.MonthlySpend(account, at),
            RedisKeys.Settled(account, usage.Id),
            RedisKeys.RateLimit(account, usage.KeyId, "tpm"),
            RedisKeys.RateLimit(account, null, "tpm"),
            RedisKeys.DailyTokens(account, at),
            RedisKeys.Inflight(account),
            .. (announce ? (ReadOnlySpan<RedisKey>)[RedisKeys.OutboxAccounts] : []),
        ];
    }

    public static RedisValue[] Values(Settlement settlement, string eventJson, TimeSpan markerTtl)
    {
        var usage = settlement.Event;
        var cost = usage.CostNanos;
        return
        [
            cost.ToString(CultureInfo.InvariantCulture),
            (-cost).ToString(CultureInfo.InvariantCulture),
            eventJson,
            "k:" + usage.KeyId,
            (long)markerTtl.TotalMilliseconds,
            settlement.KeyTpm,
            settlement.TokenDelta,
            usage.PromptTokens,
            usage.CompletionTokens,
            DailyTtlMs,
            MonthlyTtlMs,
            usage.Id,
            usage.Account,
            ClaimArgument(settlement.Claim),
        ];
    }

    private static string ClaimArgument(SettlementClaim claim) => claim switch
    {
        SettlementClaim.Inflight => "inflight",
        SettlementClaim.Sweep => "sweep",
        _ => "marker",
    };
}
