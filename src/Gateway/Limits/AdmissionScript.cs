using StackExchange.Redis;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// The admission check, one Lua call in the account's hash slot: account status, positive balance, daily and monthly
/// spend caps (key and account), then RPM and TPM for the key and the account with GCRA (a smoothed sliding window: a
/// full minute's budget may burst, then it refills continuously; never a fixed-window double burst). Nothing is counted
/// unless every check passes. Time comes from the server, so gateways with skewed clocks agree.
/// </summary>
internal static class AdmissionScript
{
    public const int Admitted = 0;
    public const int RequestsExceeded = 1;
    public const int TokensExceeded = 2;
    public const int NoBalance = 3;
    public const int Suspended = 4;
    public const int CapReached = 5;

    // KEYS: 1 account, 2 key rpm, 3 key tpm, 4 account rpm, 5 account tpm, 6 daily spend, 7 monthly spend, 8 in-flight
    // ARGV: 1 key rpm, 2 key tpm, 3 tokens, 4 key daily cap, 5 key monthly cap, 6 key spend field, 7 event id,
    //       8 the settlement to charge should this gateway die before settling (recorded in the in-flight hash)
    // Returns {code, retry ms, rpm limit, rpm remaining, rpm reset ms, tpm limit, tpm remaining, tpm reset ms}, and when
    // admitted or over a cap also {key daily spend, account daily spend, key monthly spend, account monthly spend} after
    // them (the baseline for local caps should Redis become unreachable), and when admitted also {balance, the smallest
    // room left under a spend cap (-1: no cap)} (what optimistic admission judges the next requests by).
    public const string Lua = """
        local acct = redis.call('HMGET', KEYS[1], 'status', 'balance_nanos', 'rpm', 'tpm', 'daily_cap_nanos', 'monthly_cap_nanos')
        if acct[1] == 'suspended' then return {4, 0} end
        if (tonumber(acct[2]) or 0) <= 0 then return {3, 0} end
        local function over(cap, spent) cap = tonumber(cap) or 0; return cap > 0 and (tonumber(spent) or 0) >= cap end
        local daily = redis.call('HMGET', KEYS[6], 'account', ARGV[6])
        local monthly = redis.call('HMGET', KEYS[7], 'account', ARGV[6])
        local spend = {daily[2] or '0', daily[1] or '0', monthly[2] or '0', monthly[1] or '0'}
        if over(acct[5], daily[1]) or over(acct[6], monthly[1]) or over(ARGV[4], daily[2]) or over(ARGV[5], monthly[2]) then
          return {5, 0, 0, 0, 0, 0, 0, 0, spend[1], spend[2], spend[3], spend[4]}
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local tokens = tonumber(ARGV[3])
        local limits = {
          {KEYS[2], tonumber(ARGV[1]) or 0, 1, 1}, {KEYS[3], tonumber(ARGV[2]) or 0, tokens, 2},
          {KEYS[4], tonumber(acct[3]) or 0, 1, 1}, {KEYS[5], tonumber(acct[4]) or 0, tokens, 2}}
        local state = {0, 0, 0, 0, 0, 0}
        local writes = {}
        for i = 1, 4 do
          local l = limits[i]
          if l[2] > 0 then
            local interval = 60000 / l[2]
            local tat = tonumber(redis.call('GET', l[1])) or 0
            if tat < now then tat = now end
            local nxt = tat + interval * l[3]
            if nxt - now > 60000 then
              return {l[4], math.max(1, math.ceil(nxt - 60000 - now)), l[2]}
            end
            local remaining = math.floor((60000 - (nxt - now)) / interval)
            local s = (l[4] - 1) * 3
            if state[s + 1] == 0 or remaining < state[s + 2] then
              state[s + 1] = l[2]; state[s + 2] = remaining; state[s + 3] = math.ceil(nxt - now)
            end
            writes[#writes + 1] = {l[1], nxt, math.ceil(nxt - now) + 1000}
          end
        end
        for _, w in ipairs(writes) do
          redis.call('SET', w[1], string.format('%.3f', w[2]), 'PX', w[3])
        end
        redis.call('HSET', KEYS[8], ARGV[7], ARGV[8])
        local caproom = -1
        local function room(cap, spent)
          cap = tonumber(cap) or 0
          if cap > 0 then
            local r = cap - (tonumber(spent) or 0)
            if caproom < 0 or r < caproom then caproom = r end
          end
        end
        room(acct[5], daily[1]); room(acct[6], monthly[1]); room(ARGV[4], daily[2]); room(ARGV[5], monthly[2])
        return {0, 0, state[1], state[2], state[3], state[4], state[5], state[6], spend[1], spend[2], spend[3], spend[4],
          tonumber(acct[2]) or 0, caproom}
        """;

    /// <summary>The script as the request-path pipeline sends it.</summary>
    public static readonly Redis.RespScript Script = new(Lua);

    public static RedisKey[] Keys(AccountKeyNames names, DateTimeOffset now)
    {
        var (daily, monthly) = names.Spend(now);
        return [names.Account, names.KeyRpm, names.KeyTpm, names.AccountRpm, names.AccountTpm, daily, monthly, names.Inflight];
    }
}
