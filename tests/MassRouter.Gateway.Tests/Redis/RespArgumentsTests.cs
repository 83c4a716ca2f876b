using System.Text;
using System.Text.Json;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Limits;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Redis;
using MassRouter.Gateway.Tests.Metering;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Redis;

/// <summary>
/// The scripts' arguments written straight into the request pipeline's command are, byte for byte, those the multiplexer
/// is given as arrays (the fallback path), so the two paths cannot disagree on what Redis receives.
/// </summary>
public sealed class RespArgumentsTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "massrouter-resp-arguments-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void AnAdmission_WrittenIntoTheCommand_IsWhatTheMultiplexerIsGiven()
    {
        var key = new ApiKeyInfo("key_journal", null, null)
        {
            Account = "u_journal", Rpm = 60, Tpm = 90_000, DailyCapNanos = 5, MonthlyCapNanos = 0, EndUserDailyCapNanos = 7, EndUserMonthlyCapNanos = 11, EndUserRpm = 13,
        };
        var arguments = AdmissionArguments.For(
            key, 321, "ev-1", Settlement("ev-1") with { Instance = "gw-1", EndUserField = "u:abc" }, DateTimeOffset.UtcNow, mostCostNanos: 1_234_567, endUserField: "u:abc");

        var direct = RespCommandWriter.Rent();
        arguments.WriteKeys(direct);
        arguments.WriteValues(direct);
        var written = direct.WrittenSpan.ToArray();
        var (keys, values) = arguments.ToArrays();

        Assert.Equal((22, 9), (direct.Count, direct.KeyCount));
        Assert.Equal(Resp(keys, values), written);
        Assert.Equal(AdmissionScript.Stride, keys.Length);
        Assert.Equal(AdmissionScript.ValueStride, values.Length);
        Assert.Equal(1_234_567, (long)values[8]);
        Assert.Equal(["u:abc", "7", "11", "13"], values[9..].Select(v => v.ToString()));
        Assert.Equal(EndUserSpend.RpmCell("u_journal", "key_journal", "u:abc"), keys[^1].ToString());

        // The in-flight record is the settlement's JSON as the sweep reads it back.
        var record = JsonSerializer.Deserialize((byte[])values[7]!, MeteringJson.Default.Settlement)!;
        Assert.Equal(("ev-1", "gw-1", "u:abc"), (record.Event.Id, record.Instance, record.EndUserField));
    }

    [Fact]
    public void ASettlementBatch_WithItsJsonInTheJournal_IsWhatTheMultiplexerIsGiven()
    {
        var journal = new SettlementJournal(_directory, NullLogger.Instance);
        var names = new ApiKeyInfo("key_journal", null, null) { Account = "u_journal" }.RedisNames;
        var settlements = new[] { Settlement("ev-1"), Settlement("ev-2") with { Claim = SettlementClaim.Marker }, Settlement("ev-3") };
        var items = new List<(Settlement Settlement, EventJson Json, JournalSegment? Entry)>();
        foreach (var settlement in settlements)
        {
            var entry = journal.Append(settlement, out var journalled);
            Assert.NotNull(entry);
            items.Add((settlement, journalled, entry));
        }

        var direct = RespCommandWriter.Rent();
        SettleScript.Write(
            direct,
            items.Count,
            items,
            (state, i) => (state[i].Settlement, names),
            (state, i, output) => state[i].Json.WriteTo(output),
            TimeSpan.FromHours(1),
            announce: true);
        var written = direct.WrittenSpan.ToArray();

        // The multiplexer's path serializes each event on its own: the journal's slice must be those very bytes.
        var json = settlements.Select(s => (RedisValue)JsonSerializer.SerializeToUtf8Bytes(s.Event, CoreJson.Default.UsageEvent)).ToList();
        var (keys, values) = SettleScript.Call(settlements, json, TimeSpan.FromHours(1), announce: true, [names, names, names]);

        Assert.Equal((3 * SettleScript.KeyStride) + 1, direct.KeyCount);
        Assert.Equal(Resp(keys, values), written);
        Assert.Contains("mr:{a:u_journal}:settled:ev-2", keys.Select(k => (string?)k));

        items.ForEach(item => journal.Complete(item.Entry));
        journal.Dispose();
    }

    [Fact]
    public void AKeyAfterAnArgument_IsRefused_ByBothWriters()
    {
        var direct = RespCommandWriter.Rent();
        direct.Value(1);
        Assert.Throws<InvalidOperationException>(() => direct.Key("k"));

        var arrays = new RespArgumentArrays();
        arrays.Value(1);
        Assert.Throws<InvalidOperationException>(() => arrays.Key("k"));
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Arrays as RESP bulk strings, written here independently of the writers under test.</summary>
    private static byte[] Resp(RedisKey[] keys, RedisValue[] values)
    {
        var text = new MemoryStream();
        foreach (var part in keys.Select(k => Encoding.UTF8.GetBytes((string)k!)).Concat(values.Select(v => (byte[])v!)))
        {
            text.Write(Encoding.ASCII.GetBytes("$" + part.Length + "\r\n"));
            text.Write(part);
            text.Write("\r\n"u8);
        }

        return text.ToArray();
    }

    private static Settlement Settlement(string id) =>
        SettlementJournalTests.Settlement(id) with { KeyTpm = 1_000, TokenDelta = 5, Claim = SettlementClaim.Inflight };
}
