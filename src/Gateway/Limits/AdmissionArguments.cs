using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;
using StackExchange.Redis;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// One request's keys and arguments for <see cref="AdmissionScript"/>, in its order, kept as they are until the call is
/// written: into the request pipeline's command without arrays and with the in-flight record serialized in place, or
/// into arrays for the multiplexer.
/// </summary>
/// <param name="Keys">The script's keys but the last (shared per API key and UTC day: never written to).</param>
/// <param name="Inflight">The settlement to charge should this gateway die before settling, recorded under <paramref name="EventId"/>.</param>
/// <param name="MostCostNanos">The most the request could cost (0: no bound asked for): the least balance it is admitted with.</param>
/// <param name="EndUserField">The end user (<see cref="EndUserSpend"/>) when the key holds its end users to a limit and
/// the request names one; else none, and no end-user limit is checked.</param>
/// <param name="EndUserRpmCell">The end user's RPM cell, or (no such limit) any key of the account's slot, never read.</param>
internal readonly record struct AdmissionArguments(
    RedisKey[] Keys,
    long Rpm,
    long Tpm,
    long Tokens,
    long DailyCapNanos,
    long MonthlyCapNanos,
    RedisValue SpendField,
    string EventId,
    Settlement Inflight,
    long MostCostNanos = 0,
    string? EndUserField = null,
    long EndUserDailyCapNanos = 0,
    long EndUserMonthlyCapNanos = 0,
    RedisKey? EndUserRpmCell = null,
    long EndUserRpm = 0)
{
    public static AdmissionArguments For(
        ApiKeyInfo key, long tokens, string eventId, Settlement inflight, DateTimeOffset now, long mostCostNanos = 0, string? endUserField = null) =>
        new(
            AdmissionScript.Keys(key.RedisNames, now),
            key.Rpm,
            key.Tpm,
            tokens,
            key.DailyCapNanos,
            key.MonthlyCapNanos,
            key.RedisNames.SpendField,
            eventId,
            inflight,
            mostCostNanos,
            endUserField,
            key.EndUserDailyCapNanos,
            key.EndUserMonthlyCapNanos,
            endUserField is not null && key.EndUserRpm > 0 ? EndUserSpend.RpmCell(key.Account!, key.KeyId, endUserField) : key.RedisNames.Inflight,
            endUserField is null ? 0 : key.EndUserRpm);

    public void WriteKeys(RespArguments arguments)
    {
        foreach (var key in Keys)
        {
            arguments.Key(key);
        }

        arguments.Key(EndUserRpmCell ?? Keys[^1]);
    }

    public void WriteValues(RespArguments arguments)
    {
        arguments.Value(Rpm);
        arguments.Value(Tpm);
        arguments.Value(Tokens);
        arguments.Value(DailyCapNanos);
        arguments.Value(MonthlyCapNanos);
        arguments.Value(SpendField);
        arguments.Value(EventId);
        arguments.Json(Inflight, MeteringJson.Default.Settlement);
        arguments.Value(MostCostNanos);
        arguments.Value(EndUserField ?? "");
        arguments.Value(EndUserDailyCapNanos);
        arguments.Value(EndUserMonthlyCapNanos);
        arguments.Value(EndUserRpm);
    }

    /// <summary>The keys and arguments as the multiplexer takes them.</summary>
    public (RedisKey[] Keys, RedisValue[] Values) ToArrays()
    {
        var arrays = new RespArgumentArrays();
        WriteKeys(arrays);
        WriteValues(arrays);
        return (arrays.Keys, arrays.Values);
    }
}
