using System.Globalization;
using MassRouter.Gateway.Limits;

namespace MassRouter.Gateway.Tests.Limits;

public class RateLimitHeadersTests
{
    [Theory]
    [InlineData(0, "0s")]
    [InlineData(-5, "0s")]
    [InlineData(20, "20ms")]
    [InlineData(999, "999ms")]
    [InlineData(1_000, "1s")]
    [InlineData(6_500, "6.5s")]
    [InlineData(6_050, "6.05s")]
    [InlineData(6_005, "6.005s")]
    [InlineData(6_120, "6.12s")]
    [InlineData(59_999, "59.999s")]
    [InlineData(60_000, "1m0s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(90_250, "1m30.25s")]
    [InlineData(3_599_999, "59m59.999s")]
    [InlineData(3_600_000, "1h0m0s")]
    [InlineData(7_200_000, "2h0m0s")]
    [InlineData(90_061_001, "25h1m1.001s")]
    public void Durations_AreWrittenInOpenAIsStyle(long ms, string expected) => Assert.Equal(expected, RateLimitHeaders.FormatDuration(ms));

    [Fact]
    public void EveryDurationUpToTwoHours_ReadsAsTheDecimalFormulaWroteIt()
    {
        for (var ms = 1_000L; ms < 7_300_000; ms += 7)
        {
            Assert.Equal(Reference(ms), RateLimitHeaders.FormatDuration(ms));
        }
    }

    /// <summary>How the headers were formatted before (decimal seconds with up to three places), kept as the reference.</summary>
    private static string Reference(long ms)
    {
        var time = TimeSpan.FromMilliseconds(ms);
        var seconds = (time.Seconds + (time.Milliseconds / 1000m)).ToString("0.###", CultureInfo.InvariantCulture) + "s";
        if (time.TotalMinutes < 1)
        {
            return seconds;
        }

        var minutes = time.Minutes.ToString(CultureInfo.InvariantCulture) + "m";
        return time.TotalHours < 1 ? minutes + seconds : ((long)time.TotalHours).ToString(CultureInfo.InvariantCulture) + "h" + minutes + seconds;
    }
}
