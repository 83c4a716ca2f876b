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
}
