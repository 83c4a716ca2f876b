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

    // Any number of requests, checked in order as if each ran alone (a batch: see AdmissionBatcher):
    // KEYS, 8 per request: 1 account, 2 key rpm, 3 key tpm, 4 account rpm, 5 account tpm, 6 daily spend, 7 monthly spend,
    //       8 in-flight
    // ARGV, 8 per request: 1 key rpm, 2 key tpm, 3 tokens, 4 key daily cap, 5 key monthly cap, 6 key spend field,
    //       7 event id, 8 the settlement to charge should this gateway die before settling (recorded in the in-flight hash)
    // Returns, for each request, the length of its answer and then the answer: {code, retry ms, rpm limit, rpm remaining,
    // rpm reset ms, tpm limit, tpm remaining, tpm reset ms}, and when admitted or over a cap also {key daily spend,
    // account daily spend, key monthly spend, account monthly spend} after them (the baseline for local caps should Redis
    // become unreachable), and when admitted also {balance, the smallest room left under a spend cap (-1: no cap)} (what
    // optimistic admission judges the next requests by).
    // A hash is read once per call and a rate-limit cell written once, whatever the number of requests on them.
    public const string Lua = """
        local unpack = table.unpack or unpack
        local hashes, cells, dirty, records, recorded, out = {}, {}, {}, {}, {}, {}
        local function fields(key, names)
          local h = hashes[key]
          if not h then h = {}; hashes[key] = h end
          local missing = {}
          for _, name in ipairs(names) do if h[name] == nil then missing[#missing + 1] = name end end
          if #missing > 0 then
            local got = redis.call('HMGET', key, unpack(missing))
            for i, name in ipairs(missing) do h[name] = got[i] end
          end
          local values = {}
          for i, name in ipairs(names) do values[i] = h[name] end
          return values
        end
        local function cell(key)
          local tat = cells[key]
          if tat == nil then tat = tonumber(redis.call('GET', key)) or 0; cells[key] = tat end
          return tat
        end
        local function over(cap, spent) cap = tonumber(cap) or 0; return cap > 0 and (tonumber(spent) or 0) >= cap end
        local now
        local function admit(k, a)
          local acct = fields(KEYS[k + 1], {'status', 'balance_nanos', 'rpm', 'tpm', 'daily_cap_nanos', 'monthly_cap_nanos'})
          if acct[1] == 'suspended' then return {4, 0} end
          if (tonumber(acct[2]) or 0) <= 0 then return {3, 0} end
          local daily = fields(KEYS[k + 6], {'account', ARGV[a + 6]})
          local monthly = fields(KEYS[k + 7], {'account', ARGV[a + 6]})
          local spend = {daily[2] or '0', daily[1] or '0', monthly[2] or '0', monthly[1] or '0'}
          if over(acct[5], daily[1]) or over(acct[6], monthly[1]) or over(ARGV[a + 4], daily[2]) or over(ARGV[a + 5], monthly[2]) then
            return {5, 0, 0, 0, 0, 0, 0, 0, spend[1], spend[2], spend[3], spend[4]}
          end
          if not now then
            local t = redis.call('TIME')
            now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          end
          local tokens = tonumber(ARGV[a + 3])
          local limits = {
            {KEYS[k + 2], tonumber(ARGV[a + 1]) or 0, 1, 1}, {KEYS[k + 3], tonumber(ARGV[a + 2]) or 0, tokens, 2},
            {KEYS[k + 4], tonumber(acct[3]) or 0, 1, 1}, {KEYS[k + 5], tonumber(acct[4]) or 0, tokens, 2}}
          local state = {0, 0, 0, 0, 0, 0}
          local writes = {}
          for i = 1, 4 do
            local l = limits[i]
            if l[2] > 0 then
              local interval = 60000 / l[2]
              local tat = cell(l[1])
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
              writes[#writes + 1] = {l[1], nxt}
            end
          end
          for _, w in ipairs(writes) do
            if not dirty[w[1]] then dirty[w[1]] = true; dirty[#dirty + 1] = w[1] end
            cells[w[1]] = w[2]
          end
          local r = records[KEYS[k + 8]]
          if not r then r = {}; records[KEYS[k + 8]] = r; recorded[#recorded + 1] = KEYS[k + 8] end
          r[#r + 1] = ARGV[a + 7]; r[#r + 1] = ARGV[a + 8]
          local caproom = -1
          local function room(cap, spent)
            cap = tonumber(cap) or 0
            if cap > 0 then
              local left = cap - (tonumber(spent) or 0)
              if caproom < 0 or left < caproom then caproom = left end
            end
          end
          room(acct[5], daily[1]); room(acct[6], monthly[1]); room(ARGV[a + 4], daily[2]); room(ARGV[a + 5], monthly[2])
          return {0, 0, state[1], state[2], state[3], state[4], state[5], state[6], spend[1], spend[2], spend[3], spend[4],
            tonumber(acct[2]) or 0, caproom}
        end
        for i = 0, math.floor(#KEYS / 8) - 1 do
          local answer = admit(i * 8, i * 8)
          out[#out + 1] = #answer
          for _, v in ipairs(answer) do out[#out + 1] = v end
        end
        for _, key in ipairs(dirty) do
          local tat = cells[key]
          redis.call('SET', key, string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
        end
        for _, key in ipairs(recorded) do redis.call('HSET', key, unpack(records[key])) end
        return out
        """;

    /// <summary>
    /// One request's answer from a reply: the script answers with each request's length, then its values. False, with
    /// <paramref name="offset"/> unchanged, when the reply ends before that answer does.
    /// </summary>
    public static bool TryAnswer(ReadOnlySpan<long> reply, ref int offset, out long[] answer)
    {
        answer = [];
        if (offset >= reply.Length || reply[offset] < 0 || reply[offset] > reply.Length - offset - 1)
        {
            return false;
        }

        var length = (int)reply[offset];
        answer = reply.Slice(offset + 1, length).ToArray();
        offset += length + 1;
        return true;
    }

    /// <summary>The only answer of a call that carried one request; throws when the reply does not hold one.</summary>
    public static long[] SingleAnswer(ReadOnlySpan<long> reply)
    {
        var offset = 0;
        return TryAnswer(reply, ref offset, out var answer)
            ? answer
            : throw Redis.RespErrors.Server("ERR the admission script's reply holds no answer");
    }

    /// <summary>The script as the request-path pipeline sends it.</summary>
    public static readonly Redis.RespScript Script = new(Lua);

    /// <summary>The length of one request's keys and of its arguments.</summary>
    public const int Stride = 8;

    public static RedisKey[] Keys(AccountKeyNames names, DateTimeOffset now)
    {
        // Stride keys, in the order the script reads them.
        var (daily, monthly) = names.Spend(now);
        return [names.Account, names.KeyRpm, names.KeyTpm, names.AccountRpm, names.AccountTpm, daily, monthly, names.Inflight];
    }
}
