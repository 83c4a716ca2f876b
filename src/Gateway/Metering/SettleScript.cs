using MassRouter.Core.Redis;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The settlement, one Lua call in the account's hash slot: claims the event (see <see cref="SettlementClaim"/>: for a
/// request admitted through Redis, removing its in-flight record is the claim and nothing is left behind; only a request
/// that never had a record, and a sweep, use a per-event marker), so a replay of the same event is a no-op; then charges
/// the balance, bumps the daily and monthly spend counters of the key and the account, moves the TPM windows
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

    // Any number of settlements, each claimed on its own, in order (a batch: see SettlementBatcher):
    // ARGV: 1 marker ttl ms, 2 daily ttl ms, 3 monthly ttl ms, then 10 per settlement: 1 cost, 2 -cost, 3 event json,
    //       4 key field, 5 key tpm, 6 token delta, 7 event id, 8 account, 9 claim (marker, inflight, sweep),
    //       10 the end user's field ('' when the request's key does not cap end users: not counted)
    // KEYS, 8 per settlement: 1 account, 2 outbox, 3 daily spend, 4 monthly spend, 5 settled marker, 6 key tpm,
    //       7 account tpm, 8 in-flight; then, optionally, the flusher's account set
    // Returns, for each settlement, 1 (charged) or 0 (a duplicate).
    // The record goes in every case (a request whose admission answer was lost has one after all). An in-flight record is
    // only ever removed by a charge (this script) or by a release with nothing to bill, so its absence means "settled"
    // for a request that had one; only the other two claims touch the marker key.
    // The counters the claimed settlements move are added up first and written once per field; an amount that Lua's
    // numbers might not hold exactly (2^50 nanos and over) is written on its own, as the decimal string it came as.
    // A call of one settlement (the common case) takes a path of its own with the same writes, passing the decimal
    // strings straight through: without the batch's tables it costs Redis ~25 us instead of ~37. It gives a spend
    // counter its time to live only when its write creates it (the `account` field then equals the amount; no other
    // writer creates these hashes): a PEXPIRE is a write, ~2 us of Redis each, and both periods' keys carry their date.
    public const string Lua = """
        local unpack = table.unpack or unpack
        -- One settlement (the common call): the same writes without the batch's bookkeeping tables.
        if #KEYS == 8 or #KEYS == 9 then
          local removed = redis.call('HDEL', KEYS[8], ARGV[10]) == 1
          if ARGV[12] == 'marker' then
            if not redis.call('SET', KEYS[5], '1', 'NX', 'PX', ARGV[1]) then return {0} end
          elseif not removed then
            return {0}
          elseif ARGV[12] == 'sweep' then
            redis.call('SET', KEYS[5], '1', 'PX', ARGV[1])
          end
          local field = ARGV[7]
          if ARGV[4] ~= '0' then
            local cost = tonumber(ARGV[4])
            redis.call('HINCRBY', KEYS[1], 'balance_nanos', ARGV[5])
            if redis.call('HINCRBY', KEYS[3], 'account', ARGV[4]) == cost then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
            redis.call('HINCRBY', KEYS[3], field, ARGV[4])
            if redis.call('HINCRBY', KEYS[4], 'account', ARGV[4]) == cost then redis.call('PEXPIRE', KEYS[4], ARGV[3]) end
            redis.call('HINCRBY', KEYS[4], field, ARGV[4])
            if ARGV[13] ~= '' then
              redis.call('HINCRBY', KEYS[3], ARGV[13], ARGV[4])
              redis.call('HINCRBY', KEYS[4], ARGV[13], ARGV[4])
            end
          end
          local delta = tonumber(ARGV[9])
          if delta ~= 0 then
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local function move(key, limit)
              if limit <= 0 then return end
              local tat = tonumber(redis.call('GET', key))
              if tat then
                tat = tat + delta * 60000 / limit
                if tat <= now then
                  redis.call('DEL', key)
                else
                  redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
                end
              end
            end
            move(KEYS[6], tonumber(ARGV[8]) or 0)
            move(KEYS[7], tonumber(redis.call('HGET', KEYS[1], 'tpm')) or 0)
          end
          redis.call('RPUSH', KEYS[2], ARGV[6])
          if KEYS[9] then redis.call('SADD', KEYS[9], ARGV[11]) end
          return {1}
        end
        local sums, summed, ttls, expiring, pushes, pushed, cells, moved, accounts, limits, out = {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
        local function add(key, field, amount)
          local h = sums[key]
          if not h then h = {}; sums[key] = h; summed[#summed + 1] = key end
          local v = tonumber(amount)
          if math.abs(v) >= 2^50 then redis.call('HINCRBY', key, field, amount); v = 0 end
          local total = (h[field] or 0) + v
          if math.abs(total) >= 2^51 then redis.call('HINCRBY', key, field, string.format('%d', total)); total = 0 end
          h[field] = total
        end
        local function expire(key, ttl)
          if not ttls[key] then expiring[#expiring + 1] = key end
          ttls[key] = ttl
        end
        local function cell(key)
          local tat = cells[key]
          if tat == nil then tat = tonumber(redis.call('GET', key)) or false; cells[key] = tat end
          return tat
        end
        local now
        local function settle(k, a)
          local removed = redis.call('HDEL', KEYS[k + 8], ARGV[a + 7]) == 1
          if ARGV[a + 9] == 'marker' then
            if not redis.call('SET', KEYS[k + 5], '1', 'NX', 'PX', ARGV[1]) then return 0 end
          elseif not removed then
            return 0
          elseif ARGV[a + 9] == 'sweep' then
            redis.call('SET', KEYS[k + 5], '1', 'PX', ARGV[1])
          end
          local field = ARGV[a + 4]
          if ARGV[a + 1] ~= '0' then
            add(KEYS[k + 1], 'balance_nanos', ARGV[a + 2])
            add(KEYS[k + 3], 'account', ARGV[a + 1]); add(KEYS[k + 3], field, ARGV[a + 1]); expire(KEYS[k + 3], ARGV[2])
            add(KEYS[k + 4], 'account', ARGV[a + 1]); add(KEYS[k + 4], field, ARGV[a + 1]); expire(KEYS[k + 4], ARGV[3])
            local ef = ARGV[a + 10]
            if ef ~= '' then add(KEYS[k + 3], ef, ARGV[a + 1]); add(KEYS[k + 4], ef, ARGV[a + 1]) end
          end
          local delta = tonumber(ARGV[a + 6])
          if delta ~= 0 then
            if not now then
              local t = redis.call('TIME')
              now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local account = KEYS[k + 1]
            if limits[account] == nil then limits[account] = tonumber(redis.call('HGET', account, 'tpm')) or 0 end
            for _, l in ipairs({{KEYS[k + 6], tonumber(ARGV[a + 5]) or 0}, {KEYS[k + 7], limits[account]}}) do
              local tat = cell(l[1])
              if l[2] > 0 and tat then
                tat = tat + delta * 60000 / l[2]
                if tat <= now then tat = false end
                if moved[l[1]] == nil then moved[#moved + 1] = l[1] end
                moved[l[1]] = true
                cells[l[1]] = tat
              end
            end
          end
          local list = pushes[KEYS[k + 2]]
          if not list then list = {}; pushes[KEYS[k + 2]] = list; pushed[#pushed + 1] = KEYS[k + 2] end
          list[#list + 1] = ARGV[a + 3]
          accounts[#accounts + 1] = ARGV[a + 8]
          return 1
        end
        local n = math.floor(#KEYS / 8)
        for i = 0, n - 1 do out[i + 1] = settle(i * 8, 3 + i * 10) end
        for _, key in ipairs(summed) do
          for field, total in pairs(sums[key]) do redis.call('HINCRBY', key, field, string.format('%d', total)) end
        end
        for _, key in ipairs(expiring) do redis.call('PEXPIRE', key, ttls[key]) end
        for _, key in ipairs(moved) do
          local tat = cells[key]
          if tat then
            redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
          else
            redis.call('DEL', key)
          end
        end
        for _, key in ipairs(pushed) do redis.call('RPUSH', key, unpack(pushes[key])) end
        if KEYS[n * 8 + 1] and #accounts > 0 then redis.call('SADD', KEYS[n * 8 + 1], unpack(accounts)) end
        return out
        """;

    /// <summary>The script as the request-path pipeline sends it.</summary>
    public static readonly Redis.RespScript Script = new(Lua);

    /// <summary>The keys of one settlement.</summary>
    public const int KeyStride = 8;

    /// <summary>The arguments of one settlement, after the <see cref="Prefix"/>.</summary>
    public const int ValueStride = 10;

    /// <summary>The arguments every call starts with: the marker's, the daily and the monthly counters' time to live.</summary>
    public const int Prefix = 3;

    /// <summary>
    /// Writes the call's keys and arguments for <paramref name="count"/> settlements (the <paramref name="settlement"/>,
    /// event JSON and key names of each by index); <paramref name="announce"/> adds the flusher's account set (never
    /// under Cluster, where a call holds one account). Names of another key or account are not used.
    /// </summary>
    public static void Write<TState>(
        RespArguments arguments,
        int count,
        TState state,
        Func<TState, int, (Settlement Settlement, AccountKeyNames? Names)> settlement,
        Action<TState, int, RespArguments> eventJson,
        TimeSpan markerTtl,
        bool announce)
    {
        for (var i = 0; i < count; i++)
        {
            var (item, names) = settlement(state, i);
            WriteKeys(arguments, item, Matching(item, names));
        }

        if (announce)
        {
            arguments.Key(RedisKeys.OutboxAccounts);
        }

        arguments.Value((long)markerTtl.TotalMilliseconds);
        arguments.Value(DailyTtlMs);
        arguments.Value(MonthlyTtlMs);
        for (var i = 0; i < count; i++)
        {
            var (item, names) = settlement(state, i);
            var usage = item.Event;
            var cost = usage.CostNanos;
            arguments.Value(cost);
            arguments.Value(-cost);
            eventJson(state, i, arguments);
            if (Matching(item, names) is { } accountNames)
            {
                arguments.Value(accountNames.SpendField);
            }
            else
            {
                arguments.Value("k:" + usage.KeyId);
            }

            arguments.Value(item.KeyTpm);
            arguments.Value(item.TokenDelta);
            arguments.Value(usage.Id);
            arguments.Value(usage.Account);
            arguments.Value(ClaimArgument(item.Claim));
            arguments.Value(item.EndUserField ?? "");
        }
    }

    /// <summary>
    /// The keys and arguments for <paramref name="settlements"/> (with their events' JSON in <paramref name="json"/>) as
    /// the multiplexer takes them; see <see cref="Write{TState}"/>.
    /// </summary>
    public static (RedisKey[] Keys, RedisValue[] Values) Call(
        IReadOnlyList<Settlement> settlements, IReadOnlyList<RedisValue> json, TimeSpan markerTtl, bool announce, IReadOnlyList<AccountKeyNames?>? names = null)
    {
        var arrays = new RespArgumentArrays();
        Write(
            arrays,
            settlements.Count,
            (settlements, json, names),
            static (state, i) => (state.settlements[i], state.names?[i]),
            static (state, i, arguments) => arguments.Value(state.json[i]),
            markerTtl,
            announce);
        return (arrays.Keys, arrays.Values);
    }

    private static AccountKeyNames? Matching(Settlement settlement, AccountKeyNames? names) =>
        names is not null && names.AccountId == settlement.Event.Account && names.KeyId == settlement.Event.KeyId ? names : null;

    /// <summary>
    /// The keys of one settlement, in the order the script reads them; from <paramref name="names"/> (the event's key's,
    /// built once per cached key) when given, else built here.
    /// </summary>
    private static void WriteKeys(RespArguments arguments, Settlement settlement, AccountKeyNames? names)
    {
        var usage = settlement.Event;
        var account = usage.Account;
        var at = DateTimeOffset.FromUnixTimeMilliseconds(usage.EndedAt);
        if (names is not null)
        {
            var (daily, monthly) = names.Spend(at);
            arguments.Key(names.Account);
            arguments.Key(names.Outbox);
            arguments.Key(daily);
            arguments.Key(monthly);
            arguments.Key(names.SettledPrefix, usage.Id);
            arguments.Key(names.KeyTpm);
            arguments.Key(names.AccountTpm);
            arguments.Key(names.Inflight);
            return;
        }

        arguments.Key(RedisKeys.Account(account));
        arguments.Key(RedisKeys.Outbox(account));
        arguments.Key(RedisKeys.DailySpend(account, at));
        arguments.Key(RedisKeys.MonthlySpend(account, at));
        arguments.Key(RedisKeys.Settled(account, usage.Id));
        arguments.Key(RedisKeys.RateLimit(account, usage.KeyId, "tpm"));
        arguments.Key(RedisKeys.RateLimit(account, null, "tpm"));
        arguments.Key(RedisKeys.Inflight(account));
    }

    private static string ClaimArgument(SettlementClaim claim) => claim switch
    {
        SettlementClaim.Inflight => "inflight",
        SettlementClaim.Sweep => "sweep",
        _ => "marker",
    };
}
