namespace MassRouter.Gateway.Redis;

/// <summary>
/// How far the pipeline's linger wake-up is put off. Under a steady load every linger is ended by the traffic itself (a
/// later submission, a reply) before the wake-up fires, yet one is armed again as soon as anything lingers: a timer
/// callback every couple of milliseconds, each waking a thread-pool worker that then spins on a core the requests need.
/// So while wake-ups find nothing to send, each one comes twice as late as the last (up to <see cref="MaxFactor"/>
/// times the asked delay); the first that does send (the traffic stopped, or thinned out) brings them back at once.
/// </summary>
internal sealed class WakeBackoff
{
    /// <summary>The most a wake-up is put off, as a multiple of the delay asked for.</summary>
    public const int MaxFactor = 8;

    private int _factor = 1;

    /// <summary>The current multiple of the asked delay.</summary>
    public int Factor => Volatile.Read(ref _factor);

    /// <summary>The delay to arm for one asked as <paramref name="due"/>.</summary>
    public TimeSpan Scale(TimeSpan due) => due * Factor;

    /// <summary>A wake-up ran: <paramref name="sent"/> when it sent something no traffic had (it was needed).</summary>
    public void Next(bool sent) => Volatile.Write(ref _factor, sent ? 1 : Math.Min(Factor * 2, MaxFactor));
}
