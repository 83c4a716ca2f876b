using System.Globalization;
using System.Text.Json;
using MassRouter.Core.Money;
using MassRouter.Core.Redis;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Forwarding;
using StackExchange.Redis;

namespace MassRouter.Gateway.Auth;

/// <summary>
/// <c>GET /v1/key</c>: what the calling key may do and has left — its models, expiry, the account's balance, the spend
/// of the key and of its account today and this month against their caps, and the room left under their per-minute
/// limits (as OpenRouter's <c>/api/v1/key</c> and LiteLLM's <c>/key/info</c> tell an app or an agent its credit without
/// a dashboard). A key's own secret is all it takes, so it never shows another key or account. Read in one Lua call in the
/// account's hash slot (a consistent snapshot at Redis's clock); never metered or rate limited. HEAD answers like GET.
/// A key that caps its end users shows those caps, and with <c>x-massrouter-user</c> what that end user has left of them.
/// </summary>
internal static class KeyInfoApi
{
    // KEYS: account, daily spend, monthly spend, key rpm, key tpm, account rpm, account tpm, and an end user's rpm cell
    // when one is named. ARGV[1]: the key's spend field, ARGV[2]: the named end user or ''.
    // Every value comes back as a string ('' when absent), the clock first, as the admission script reads it (TIME, ms).
    private const string SnapshotLua = """
        local t = redis.call('TIME')
        local out = {string.format('%.3f', tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000)}
        local function add(v) out[#out + 1] = v or '' end
        local a = redis.call('HMGET', KEYS[1], 'status', 'balance_nanos', 'rpm', 'tpm', 'daily_cap_nanos', 'monthly_cap_nanos')
        for i = 1, 6 do add(a[i]) end
        local d = redis.call('HMGET', KEYS[2], ARGV[1], 'account')
        add(d[1]); add(d[2])
        local m = redis.call('HMGET', KEYS[3], ARGV[1], 'account')
        add(m[1]); add(m[2])
        for i = 4, 7 do add(redis.call('GET', KEYS[i])) end
        if ARGV[2] ~= '' then
          add(redis.call('HGET', KEYS[2], ARGV[2])); add(redis.call('HGET', KEYS[3], ARGV[2])); add(redis.call('GET', KEYS[8]))
        end
        return out
        """;

    public static IEndpointRouteBuilder MapKeyInfo(this IEndpointRouteBuilder endpoints)
    {
        var authenticator = endpoints.ServiceProvider.GetRequiredService<ApiKeyAuthenticator>();
        var redis = endpoints.ServiceProvider.GetService<IConnectionMultiplexer>();
        var time = endpoints.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System;
        endpoints.MapMethods("/v1/key", Health.HealthApi.Methods, (RequestDelegate)(context => GetAsync(context, authenticator, redis, time)));
        return endpoints;
    }

    private static async Task GetAsync(HttpContext context, ApiKeyAuthenticator authenticator, IConnectionMultiplexer? redis, TimeProvider time)
    {
        context.Response.Headers[RequestId.HeaderName] = RequestId.Resolve(context);
        var auth = await authenticator.AuthenticateAsync(context);
        if (auth.Key is not { } key)
        {
            await ApiKeyAuthenticator.WriteFailureAsync(context, auth);
            return;
        }

        if (!Forwarding.EndUserHeader.TryRead(context, out var endUser))
        {
            await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, Forwarding.EndUserHeader.ErrorMessage, code: Forwarding.EndUserHeader.ErrorCode);
            return;
        }

        Snapshot? snapshot = null;
        if (key.Account is not null && redis is not null)
        {
            try
            {
                var endUserField = key.LimitsEndUsers && endUser is not null ? Limits.EndUserSpend.Field(endUser) : "";
                snapshot = await ReadAsync(redis.GetDatabase(), key, endUserField, time.GetUtcNow());
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                await OpenAIErrorResponse.WriteAsync(
                    context,
                    StatusCodes.Status503ServiceUnavailable,
                    "The key's balance and limits could not be read right now. Please try again shortly.",
                    OpenAIErrorResponse.ServerError,
                    code: "service_unavailable");
                return;
            }
        }

        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        Write(writer, key, snapshot);
    }

    private static async Task<Snapshot> ReadAsync(IDatabaseAsync db, ApiKeyInfo key, string endUserField, DateTimeOffset now)
    {
        var names = key.RedisNames;
        var (daily, monthly) = names.Spend(now);
        var result = await db.ScriptEvaluateAsync(
            SnapshotLua,
            [
                names.Account, daily, monthly, names.KeyRpm, names.KeyTpm, names.AccountRpm, names.AccountTpm,
                endUserField.Length > 0 ? Limits.EndUserSpend.RpmCell(key.Account!, key.KeyId, endUserField) : names.Inflight,
            ],
            [names.SpendField, endUserField]);
        var values = (RedisValue[])result!;
        return new Snapshot(
            Now: Double(values[0]),
            AccountStatus: values[1].IsNullOrEmpty ? null : values[1].ToString(),
            BalanceNanos: Long(values[2]),
            AccountRpm: Long(values[3]),
            AccountTpm: Long(values[4]),
            AccountDailyCap: Long(values[5]),
            AccountMonthlyCap: Long(values[6]),
            KeyToday: Long(values[7]),
            AccountToday: Long(values[8]),
            KeyMonth: Long(values[9]),
            AccountMonth: Long(values[10]),
            KeyRpmTat: Double(values[11]),
            KeyTpmTat: Double(values[12]),
            AccountRpmTat: Double(values[13]),
            AccountTpmTat: Double(values[14]),
            EndUserToday: values.Length > 17 ? Long(values[15]) : null,
            EndUserMonth: values.Length > 17 ? Long(values[16]) : null,
            EndUserRpmTat: values.Length > 17 ? Double(values[17]) : null);
    }

    private static void Write(Utf8JsonWriter writer, ApiKeyInfo key, Snapshot? s)
    {
        writer.WriteStartObject();
        writer.WriteString("object", "key");
        writer.WriteString("id", key.KeyId);
        writer.WriteString("name", key.Name);
        writer.WriteBoolean("metered", key.Account is not null);
        writer.WriteString("account", key.Account);
        if (key.ExpiresAt > 0)
        {
            writer.WriteNumber("expires_at", key.ExpiresAt / 1000);
        }
        else
        {
            writer.WriteNull("expires_at");
        }

        if (key.AllowedModels is null)
        {
            writer.WriteNull("models");
        }
        else
        {
            writer.WriteStartArray("models");
            foreach (var model in key.AllowedModels.Order(StringComparer.Ordinal))
            {
                writer.WriteStringValue(model);
            }

            writer.WriteEndArray();
        }

        WriteLimit(writer, "max_concurrency", key.MaxConcurrency);
        if (s is null)
        {
            writer.WriteNull("account_status");
            writer.WriteNull("balance_usd");
            writer.WriteNull("usage");
            writer.WriteNull("limits");
            writer.WriteEndObject();
            return;
        }

        writer.WriteString("account_status", s.AccountStatus);
        writer.WriteNumber("balance_usd", Nanos.ToDollars(s.BalanceNanos));
        writer.WriteStartObject("usage");
        WriteUsage(writer, "key", s.KeyToday, s.KeyMonth);
        WriteUsage(writer, "account", s.AccountToday, s.AccountMonth);
        writer.WriteEndObject();
        writer.WriteStartObject("limits");
        WriteLimits(writer, "key", s.Now, key.Rpm, s.KeyRpmTat, key.Tpm, s.KeyTpmTat, key.DailyCapNanos, s.KeyToday, key.MonthlyCapNanos, s.KeyMonth);
        WriteLimits(writer, "account", s.Now, s.AccountRpm, s.AccountRpmTat, s.AccountTpm, s.AccountTpmTat, s.AccountDailyCap, s.AccountToday, s.AccountMonthlyCap, s.AccountMonth);
        if (key.LimitsEndUsers)
        {
            // Each end user's limits; what is left of them only for the end user the request names (x-massrouter-user).
            writer.WriteStartObject("end_user");
            if (s.EndUserRpmTat is { } tat)
            {
                WritePerMinute(writer, "requests_per_minute", s.Now, key.EndUserRpm, tat);
            }
            else if (key.EndUserRpm > 0)
            {
                writer.WriteStartObject("requests_per_minute");
                writer.WriteNumber("limit", key.EndUserRpm);
                writer.WriteNull("remaining");
                writer.WriteNull("reset_ms");
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("requests_per_minute");
            }

            WriteCap(writer, "daily_spend", key.EndUserDailyCapNanos, s.EndUserToday);
            WriteCap(writer, "monthly_spend", key.EndUserMonthlyCapNanos, s.EndUserMonth);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull("end_user");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter writer, string name, long today, long month)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("today_usd", Nanos.ToDollars(today));
        writer.WriteNumber("this_month_usd", Nanos.ToDollars(month));
        writer.WriteEndObject();
    }

    private static void WriteLimits(
        Utf8JsonWriter writer, string name, double now, long rpm, double rpmTat, long tpm, double tpmTat, long dailyCap, long today, long monthlyCap, long month)
    {
        writer.WriteStartObject(name);
        WritePerMinute(writer, "requests_per_minute", now, rpm, rpmTat);
        WritePerMinute(writer, "tokens_per_minute", now, tpm, tpmTat);
        WriteCap(writer, "daily_spend", dailyCap, today);
        WriteCap(writer, "monthly_spend", monthlyCap, month);
        writer.WriteEndObject();
    }

    /// <summary>
    /// A per-minute limit and what is left of it now, as the admission script's GCRA reckons it for a request costing
    /// nothing (the same figures as the <c>x-ratelimit-*</c> headers of an admitted request), or null when there is none.
    /// </summary>
    private static void WritePerMinute(Utf8JsonWriter writer, string name, double now, long limit, double tat)
    {
        if (limit <= 0)
        {
            writer.WriteNull(name);
            return;
        }

        var ahead = Math.Max(0, tat - now);
        var interval = 60_000d / limit;
        writer.WriteStartObject(name);
        writer.WriteNumber("limit", limit);
        writer.WriteNumber("remaining", Math.Clamp((long)Math.Floor((60_000 - ahead) / interval), 0, limit));
        writer.WriteNumber("reset_ms", (long)Math.Ceiling(ahead));
        writer.WriteEndObject();
    }

    /// <summary>A spend cap and what is left of it (null when <paramref name="spent"/> is unknown), or null without a cap.</summary>
    private static void WriteCap(Utf8JsonWriter writer, string name, long cap, long? spent)
    {
        if (cap <= 0)
        {
            writer.WriteNull(name);
            return;
        }

        writer.WriteStartObject(name);
        writer.WriteNumber("cap_usd", Nanos.ToDollars(cap));
        if (spent is { } used)
        {
            writer.WriteNumber("remaining_usd", Nanos.ToDollars(Math.Max(0, cap - used)));
        }
        else
        {
            writer.WriteNull("remaining_usd");
        }

        writer.WriteEndObject();
    }

    private static void WriteLimit(Utf8JsonWriter writer, string name, long limit)
    {
        if (limit > 0)
        {
            writer.WriteNumber(name, limit);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private static long Long(RedisValue value) => KeyRecordParser.Long(value);

    private static double Double(RedisValue value) =>
        value.IsNullOrEmpty ? 0 : double.TryParse((string?)value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private sealed record Snapshot(
        double Now,
        string? AccountStatus,
        long BalanceNanos,
        long AccountRpm,
        long AccountTpm,
        long AccountDailyCap,
        long AccountMonthlyCap,
        long KeyToday,
        long AccountToday,
        long KeyMonth,
        long AccountMonth,
        double KeyRpmTat,
        double KeyTpmTat,
        double AccountRpmTat,
        double AccountTpmTat,
        long? EndUserToday,
        long? EndUserMonth,
        double? EndUserRpmTat);
}
