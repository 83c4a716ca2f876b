using System.Buffers;
using System.Text.Json;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

public class SettlementJsonTests
{
    private static readonly UsageEvent Event = MeteringBackend.Event(new TestKey("sk-json", "key_json", "u_json"), 42);

    [Fact]
    public void SpoolLineWithoutClaim_FromBeforeClaimsExisted_ReplaysWithAMarker()
    {
        var line = JsonSerializer.Serialize(new Settlement(Event, 0, 0), MeteringJson.Default.Settlement);
        Assert.DoesNotContain("claim", line, StringComparison.Ordinal);

        var settlement = JsonSerializer.Deserialize(line, MeteringJson.Default.Settlement)!;
        Assert.Equal(SettlementClaim.Marker, settlement.Claim);
    }

    [Theory]
    [InlineData("inflight")]
    [InlineData("sweep")]
    public void Claim_SurvivesTheSpoolAndTheJournal_ByName(string name)
    {
        var claim = Enum.Parse<SettlementClaim>(name, ignoreCase: true);
        var line = JsonSerializer.Serialize(new Settlement(Event, 0, 0, Claim: claim), MeteringJson.Default.Settlement);
        Assert.Contains($"\"claim\":\"{name}\"", line, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(claim, JsonSerializer.Deserialize(line, MeteringJson.Default.Settlement)!.Claim);
    }

    [Theory]
    [InlineData("marker", null)]
    [InlineData("inflight", null)]
    [InlineData("sweep", null)]
    [InlineData("inflight", "gw-\"quoted\" é")]
    [InlineData("sweep", null, "u:AAECAwQFBgcICQoL")]
    [InlineData("marker", "gw-1", "u:-_x")]
    public void JournalLine_IsTheSerializersLine_AndHoldsTheOutboxEvent(string claim, string? instance, string? endUserField = null)
    {
        var usage = Event with { RequestId = "req \"odd\" <tag> ü\u0001", UpstreamModel = null };
        var settlement = new Settlement(usage, 1_000, -7, instance, Enum.Parse<SettlementClaim>(claim, ignoreCase: true)) { EndUserField = endUserField };
        var line = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(line);

        var range = SettlementJournal.WriteLine(writer, line, settlement);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(settlement, MeteringJson.Default.Settlement), line.WrittenSpan.ToArray());
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(usage, CoreJson.Default.UsageEvent), line.WrittenSpan[range].ToArray());
    }

    [Fact]
    public void TheEndUsersField_SurvivesTheJournalAndTheInflightRecord_AndIsAbsentWithoutOne()
    {
        var line = JsonSerializer.Serialize(new Settlement(Event, 0, 0) { EndUserField = "u:abc" }, MeteringJson.Default.Settlement);
        Assert.Equal("u:abc", JsonSerializer.Deserialize(line, MeteringJson.Default.Settlement)!.EndUserField);
        Assert.DoesNotContain("endUserField", JsonSerializer.Serialize(new Settlement(Event, 0, 0), MeteringJson.Default.Settlement), StringComparison.Ordinal);
    }
}
