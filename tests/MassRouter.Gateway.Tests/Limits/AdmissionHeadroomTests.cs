using MassRouter.Gateway.Limits;

namespace MassRouter.Gateway.Tests.Limits;

public class AdmissionHeadroomTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    [Fact]
    public void Reservations_StopWhereTheRoomWouldFallUnderTheMinimum()
    {
        var headroom = Observed(requestsRemaining: 129);

        // 129 left of 130: reserved ones count against it, down to 100 left after the last.
        Assert.Equal(29, ReserveAll(headroom));

        // An answer ends its reservation: room for one more.
        headroom.Release(1);
        Assert.True(headroom.TryReserve(1, 0, MaxAge, out var limits));
        Assert.Equal(100, limits.RequestsRemaining);
    }

    [Fact]
    public void AdmissionsWaitedFor_CountAgainstTheRoom_UntilAnswered()
    {
        // Redis may run a waited admission before an optimistic one sent later: the waited ones in flight take room that
        // Redis's last answer does not know of yet (a burst of 200 at 130 a minute was once one over the limit).
        var headroom = Observed(requestsRemaining: 129);
        for (var i = 0; i < 20; i++)
        {
            headroom.Track(1);
        }

        Assert.Equal(9, ReserveAll(headroom));

        // Answered: their effect is in Redis's next answer instead.
        for (var i = 0; i < 20; i++)
        {
            headroom.Release(1);
        }

        // Redis counted them: 100 left, and the nine reserved are still unanswered.
        headroom.Record(new RateLimitState(130, 100, 60_000, 0, 0, 0), balance: long.MaxValue, capRoom: -1);
        Assert.Equal(0, ReserveAll(headroom));
    }

    private static AdmissionHeadroom Observed(long requestsRemaining)
    {
        var headroom = new AdmissionHeadroom();
        headroom.Record(new RateLimitState(130, requestsRemaining, 60_000, 0, 0, 0), balance: long.MaxValue, capRoom: -1);
        return headroom;
    }

    private static int ReserveAll(AdmissionHeadroom headroom)
    {
        var reserved = 0;
        while (reserved < 1_000 && headroom.TryReserve(1, 0, MaxAge, out _))
        {
            reserved++;
        }

        return reserved;
    }
}
