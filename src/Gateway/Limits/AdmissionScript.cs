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
    public const int CannotAfford = 6;
    public const int EndUserDailyCapReached = 7;
    public const int EndUserMonthlyCapReached = 8;
    public const int EndUserRequestsExceeded = 9;

    // Any number of requests, checked in order as if each ran alone (a batch: see AdmissionBatcher):
    // KEYS, 9 per request: 1 account, 2 key rpm, 3 key tpm, 4 account rpm, 5 account tpm, 6 daily spend, 7 monthly spend,
    //       8 in-flight, 9 the end user's rpm (any key of the slot when ARGV 13 is 0: never read)
    // ARGV, 13 per request: 1 key rpm, 2 key tpm, 3 tokens, 4 key daily cap, 5 key monthly cap, 6 key spend field,
    //       7 event id, 8 the settlement to charge should this gateway die before settling (recorded in the in-flight hash),
    //       9 the most the request could cost (its prompt and the output it asked for at most; 0 when it set no bound):
    //       a positive balance below it refuses the request with {CannotAfford, 0, balance},
    //       10 the end user's spend field ('' when no end-user cap applies), 11 and 12 the key's daily and monthly cap
    //       per end user: an end user whose spend in the account has reached one refuses the request with
    //       {EndUserDailyCapReached or EndUserMonthlyCapReached, 0, cap, spent} (after the key's and account's caps),
    //       13 the key's requests per minute per end user (0: none; checked after the key's and account's limits, and
    //       counted in the RPM the answer reports when it is the tightest)
    // Returns, for each request, the length of its answer and then the answer: {code, retry ms, rpm limit, rpm remaining,
    // rpm reset ms, tpm limit, tpm remaining, tpm reset ms}, and when admitted or over a cap also {key daily spend,
    // account daily spend, key monthly spend, account monthly spend} after them (the baseline for local caps should Redis
    // become unreachable; -1 each when neither the key nor the account has a cap, and the spend hashes are not read: two
    // HMGETs, ~6 us of Redis per request), and when admitted also {balance, the smallest room left under a spend cap
    // (-1: no cap)} (what optimistic admission judges the next requests by).
    // A hash is read once per call and a rate-limit cell written once, whatever the number of requests on them.
    // Written for the interpreter's sake: values travel in locals and multiple returns rather than small tables (a Lua
    // table costs about as much as a redis.call), which took a call of one request from ~33 to ~28 us of Redis's time.
    // A call of one request (the common case: a batch forms only while another call is in flight) takes a path of its
    // own: the same reads, checks and writes in straight-line code, none of the batch's tables (~28 -> ~20 us).
    public const string Lua = """
        local unpack = table.unpack or unpack
        if #KEYS == 9 then
          local acct = redis.call('HMGET', KEYS[1], 'status', 'balance_nanos', 'rpm', 'tpm', 'daily_cap_nanos', 'monthly_cap_nanos')
          if acct[1] == 'suspended' then return {2, 4, 0} end
          local balance = tonumber(acct[2]) or 0
          if balance <= 0 then return {2, 3, 0} end
          if balance < (tonumber(ARGV[9]) or 0) then return {3, 6, 0, balance} end
          -- The caps in the batch path's order: the account's daily and monthly, then the key's.
          local c1, c2, c3, c4 = tonumber(acct[5]) or 0, tonumber(acct[6]) or 0, tonumber(ARGV[4]) or 0, tonumber(ARGV[5]) or 0
          local s1, s2, s3, s4, u1, u2, u3, u4 = '-1', '-1', '-1', '-1', 0, 0, 0, 0
          if c1 > 0 or c2 > 0 or c3 > 0 or c4 > 0 then
            local field = ARGV[6]
            local d = redis.call('HMGET', KEYS[6], 'account', field)
            local m = redis.call('HMGET', KEYS[7], 'account', field)
            local dAcct, dKey, mAcct, mKey = d[1], d[2], m[1], m[2]
            s1, s2, s3, s4 = dKey or '0', dAcct or '0', mKey or '0', mAcct or '0'
            u1, u2, u3, u4 = tonumber(dAcct) or 0, tonumber(mAcct) or 0, tonumber(dKey) or 0, tonumber(mKey) or 0
            if (c1 > 0 and u1 >= c1) or (c2 > 0 and u2 >= c2) or (c3 > 0 and u3 >= c3) or (c4 > 0 and u4 >= c4) then
              return {12, 5, 0, 0, 0, 0, 0, 0, 0, s1, s2, s3, s4}
            end
          end
          if ARGV[10] ~= '' then
            local e1, e2 = tonumber(ARGV[11]) or 0, tonumber(ARGV[12]) or 0
            if e1 > 0 then
              local used = tonumber(redis.call('HGET', KEYS[6], ARGV[10])) or 0
              if used >= e1 then return {4, 7, 0, e1, used} end
            end
            if e2 > 0 then
              local used = tonumber(redis.call('HGET', KEYS[7], ARGV[10])) or 0
              if used >= e2 then return {4, 8, 0, e2, used} end
            end
          end
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          local function gcra(key, limit, cost)
            if limit <= 0 then return nil end
            local interval = 60000 / limit
            local tat = tonumber(redis.call('GET', key)) or 0
            if tat < now then tat = now end
            local nxt = tat + interval * cost
            if nxt - now > 60000 then return false, math.max(1, math.ceil(nxt - 60000 - now)) end
            return nxt, math.floor((60000 - (nxt - now)) / interval), math.ceil(nxt - now)
          end
          local tokens = tonumber(ARGV[3])
          local kr, kt, ar, at = tonumber(ARGV[1]) or 0, tonumber(ARGV[2]) or 0, tonumber(acct[3]) or 0, tonumber(acct[4]) or 0
          local n1, r1, t1 = gcra(KEYS[2], kr, 1)
          if n1 == false then return {3, 1, r1, kr} end
          local n2, r2, t2 = gcra(KEYS[3], kt, tokens)
          if n2 == false then return {3, 2, r2, kt} end
          local n3, r3, t3 = gcra(KEYS[4], ar, 1)
          if n3 == false then return {3, 1, r3, ar} end
          local n4, r4, t4 = gcra(KEYS[5], at, tokens)
          if n4 == false then return {3, 2, r4, at} end
          local ur = tonumber(ARGV[13]) or 0
          local n5, r5, t5 = gcra(KEYS[9], ur, 1)
          if n5 == false then return {3, 9, r5, ur} end
          local rl, rr, rt = 0, 0, 0
          if n1 then rl, rr, rt = kr, r1, t1 end
          if n3 and (rl == 0 or r3 < rr) then rl, rr, rt = ar, r3, t3 end
          if n5 and (rl == 0 or r5 < rr) then rl, rr, rt = ur, r5, t5 end
          local tl, tr, tt = 0, 0, 0
          if n2 then tl, tr, tt = kt, r2, t2 end
          if n4 and (tl == 0 or r4 < tr) then tl, tr, tt = at, r4, t4 end
          if n1 then redis.call('SET', KEYS[2], string.format('%.3f', n1), 'PX', math.ceil(n1 - now) + 1000) end
          if n2 then redis.call('SET', KEYS[3], string.format('%.3f', n2), 'PX', math.ceil(n2 - now) + 1000) end
          if n3 then redis.call('SET', KEYS[4], string.format('%.3f', n3), 'PX', math.ceil(n3 - now) + 1000) end
          if n4 then redis.call('SET', KEYS[5], string.format('%.3f', n4), 'PX', math.ceil(n4 - now) + 1000) end
          if n5 then redis.call('SET', KEYS[9], string.format('%.3f', n5), 'PX', math.ceil(n5 - now) + 1000) end
          redis.call('HSET', KEYS[8], ARGV[7], ARGV[8])
          local left = -1
          if c1 > 0 and (left < 0 or c1 - u1 < left) then left = c1 - u1 end
          if c2 > 0 and (left < 0 or c2 - u2 < left) then left = c2 - u2 end
          if c3 > 0 and (left < 0 or c3 - u3 < left) then left = c3 - u3 end
          if c4 > 0 and (left < 0 or c4 - u4 < left) then left = c4 - u4 end
          return {14, 0, 0, rl, rr, rt, tl, tr, tt, s1, s2, s3, s4, balance, left}
        end
        local accounts, spends, cells, dirty, records, recorded, out = {}, {}, {}, {}, {}, {}, {}
        local now
        local function spent(key, field)
          local h = spends[key]
          if not h then
            local got = redis.call('HMGET', key, 'account', field)
            h = {account = got[1], [field] = got[2]}
            spends[key] = h
          elseif h[field] == nil then
            h[field] = redis.call('HGET', key, field)
          end
          return h.account, h[field]
        end
        local function cell(key)
          local tat = cells[key]
          if tat == nil then tat = tonumber(redis.call('GET', key)) or 0; cells[key] = tat end
          return tat
        end
        local function capped(cap) return (tonumber(cap) or 0) > 0 end
        local function over(cap, used) cap = tonumber(cap) or 0; return cap > 0 and (tonumber(used) or 0) >= cap end
        local function room(left, cap, used)
          cap = tonumber(cap) or 0
          if cap > 0 then
            local l = cap - (tonumber(used) or 0)
            if left < 0 or l < left then return l end
          end
          return left
        end
        -- One GCRA limit: nil when there is none; else the next theoretical arrival time, the remaining count and the reset
        -- in ms, or false and the retry in ms when it is exceeded.
        local function gcra(key, limit, cost)
          if limit <= 0 then return nil end
          local interval = 60000 / limit
          local tat = cell(key)
          if tat < now then tat = now end
          local nxt = tat + interval * cost
          if nxt - now > 60000 then return false, math.max(1, math.ceil(nxt - 60000 - now)) end
          return nxt, math.floor((60000 - (nxt - now)) / interval), math.ceil(nxt - now)
        end
        local function push(...)
          local n = #out
          for i = 1, select('#', ...) do out[n + i] = select(i, ...) end
        end
        local function admit(k, a)
          local key = KEYS[k + 1]
          local acct = accounts[key]
          if not acct then
            acct = redis.call('HMGET', key, 'status', 'balance_nanos', 'rpm', 'tpm', 'daily_cap_nanos', 'monthly_cap_nanos')
            accounts[key] = acct
          end
          if acct[1] == 'suspended' then return push(2, 4, 0) end
          local balance = tonumber(acct[2]) or 0
          if balance <= 0 then return push(2, 3, 0) end
          if balance < (tonumber(ARGV[a + 9]) or 0) then return push(3, 6, 0, balance) end
          local s1, s2, s3, s4, dAcct, dKey, mAcct, mKey = '-1', '-1', '-1', '-1'
          if capped(acct[5]) or capped(acct[6]) or capped(ARGV[a + 4]) or capped(ARGV[a + 5]) then
            local field = ARGV[a + 6]
            dAcct, dKey = spent(KEYS[k + 6], field)
            mAcct, mKey = spent(KEYS[k + 7], field)
            s1, s2, s3, s4 = dKey or '0', dAcct or '0', mKey or '0', mAcct or '0'
            if over(acct[5], dAcct) or over(acct[6], mAcct) or over(ARGV[a + 4], dKey) or over(ARGV[a + 5], mKey) then
              return push(12, 5, 0, 0, 0, 0, 0, 0, 0, s1, s2, s3, s4)
            end
          end
          local ef = ARGV[a + 10]
          if ef ~= '' then
            local e1, e2 = tonumber(ARGV[a + 11]) or 0, tonumber(ARGV[a + 12]) or 0
            if e1 > 0 then
              local _, used = spent(KEYS[k + 6], ef)
              used = tonumber(used) or 0
              if used >= e1 then return push(4, 7, 0, e1, used) end
            end
            if e2 > 0 then
              local _, used = spent(KEYS[k + 7], ef)
              used = tonumber(used) or 0
              if used >= e2 then return push(4, 8, 0, e2, used) end
            end
          end
          if not now then
            local t = redis.call('TIME')
            now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          end
          local tokens = tonumber(ARGV[a + 3])
          local kr, kt, ar, at = tonumber(ARGV[a + 1]) or 0, tonumber(ARGV[a + 2]) or 0, tonumber(acct[3]) or 0, tonumber(acct[4]) or 0
          local n1, r1, t1 = gcra(KEYS[k + 2], kr, 1)
          if n1 == false then return push(3, 1, r1, kr) end
          local n2, r2, t2 = gcra(KEYS[k + 3], kt, tokens)
          if n2 == false then return push(3, 2, r2, kt) end
          local n3, r3, t3 = gcra(KEYS[k + 4], ar, 1)
          if n3 == false then return push(3, 1, r3, ar) end
          local n4, r4, t4 = gcra(KEYS[k + 5], at, tokens)
          if n4 == false then return push(3, 2, r4, at) end
          local ur = tonumber(ARGV[a + 13]) or 0
          local n5, r5, t5 = gcra(KEYS[k + 9], ur, 1)
          if n5 == false then return push(3, 9, r5, ur) end
          -- The tightest of the key's, the account's (and the end user's) limit, for each of RPM and TPM.
          local rl, rr, rt = 0, 0, 0
          if n1 then rl, rr, rt = kr, r1, t1 end
          if n3 and (rl == 0 or r3 < rr) then rl, rr, rt = ar, r3, t3 end
          if n5 and (rl == 0 or r5 < rr) then rl, rr, rt = ur, r5, t5 end
          local tl, tr, tt = 0, 0, 0
          if n2 then tl, tr, tt = kt, r2, t2 end
          if n4 and (tl == 0 or r4 < tr) then tl, tr, tt = at, r4, t4 end
          for i, nxt in ipairs({n1 or false, n2 or false, n3 or false, n4 or false, n5 or false}) do
            if nxt then
              local c = KEYS[i == 5 and k + 9 or k + 1 + i]
              if not dirty[c] then dirty[c] = true; dirty[#dirty + 1] = c end
              cells[c] = nxt
            end
          end
          local r = records[KEYS[k + 8]]
          if not r then r = {}; records[KEYS[k + 8]] = r; recorded[#recorded + 1] = KEYS[k + 8] end
          r[#r + 1] = ARGV[a + 7]; r[#r + 1] = ARGV[a + 8]
          local left = room(room(room(room(-1, acct[5], dAcct), acct[6], mAcct), ARGV[a + 4], dKey), ARGV[a + 5], mKey)
          push(14, 0, 0, rl, rr, rt, tl, tr, tt, s1, s2, s3, s4, balance, left)
        end
        for i = 0, math.floor(#KEYS / 9) - 1 do admit(i * 9, i * 13) end
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
    public static bool TryAnswer(ReadOnlySpan<long> reply, ref int offset, out ReadOnlySpan<long> answer)
    {
        answer = default;
        if (offset >= reply.Length || reply[offset] < 0 || reply[offset] > reply.Length - offset - 1)
        {
            return false;
        }

        var length = (int)reply[offset];
        answer = reply.Slice(offset + 1, length);
        offset += length + 1;
        return true;
    }

    /// <summary>The only answer of a call that carried one request; throws when the reply does not hold one.</summary>
    public static long[] SingleAnswer(ReadOnlySpan<long> reply)
    {
        var offset = 0;
        return TryAnswer(reply, ref offset, out ReadOnlySpan<long> answer)
            ? answer.ToArray()
            : throw Redis.RespErrors.Server("ERR the admission script's reply holds no answer");
    }

    /// <summary>The script as the request-path pipeline sends it.</summary>
    public static readonly Redis.RespScript Script = new(Lua);

    /// <summary>The length of one request's keys.</summary>
    public const int Stride = 9;

    /// <summary>The length of one request's arguments.</summary>
    public const int ValueStride = 13;

    /// <summary>
    /// The first Stride - 1 keys, in the order the script reads them: cached per key and UTC day, never to be written to
    /// (the end user's RPM cell, the last, is the request's own: <see cref="AdmissionArguments.WriteKeys"/>).
    /// </summary>
    public static RedisKey[] Keys(AccountKeyNames names, DateTimeOffset now) => names.AdmissionKeys(now);
}
