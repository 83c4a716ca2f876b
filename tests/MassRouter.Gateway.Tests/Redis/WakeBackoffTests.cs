using MassRouter.Gateway.Redis;

namespace MassRouter.Gateway.Tests.Redis;

public sealed class WakeBackoffTests
{
    [Fact]
    public void WakeUpsThatSendNothing_ComeTwiceAsLate_UpToTheCap_AndOneThatSends_BringsThemBack()
    {
        var backoff = new WakeBackoff();
        var due = TimeSpan.FromMilliseconds(4);
        Assert.Equal(due, backoff.Scale(due));

        var scaled = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            backoff.Next(sent: false);
            scaled.Add(backoff.Scale(due).TotalMilliseconds);
        }

        Assert.Equal([8d, 16, 32, 32, 32], scaled);
        Assert.Equal(WakeBackoff.MaxFactor, backoff.Factor);

        backoff.Next(sent: true);
        Assert.Equal(due, backoff.Scale(due));
    }
}
