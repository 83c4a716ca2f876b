using System.Diagnostics;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// What Redis last said a key may still spend, for optimistic admission: while every limit has plenty of room, a
/// request is admitted without waiting for the admission script (which is still sent, before the request is forwarded,
/// and counts it exactly); as soon as any limit, the balance or a cap gets close, or an answer refuses, admission waits
/// for Redis again, so small limits and small balances stay exact.
/// </summary>
/// <remarks>
/// Room is judged after every admission sent and not yet answered (<see cref="_outstanding"/>): the optimistic ones and
/// the ones waited for alike, since Redis may run a waited one first, and Redis's last answer knows of neither. So no
/// limit can be overrun by these requests on one gateway: a limit counts as roomy only with at least a quarter of it
/// and at least <see cref="MinimumRoom"/> requests (or that many prompts' tokens) left.
/// </remarks>
internal sealed class AdmissionHeadroom
{
    /// <summary>The fewest requests (or prompts' worth of tokens) a limit must have left for a request not to wait.</summary>
    public const long MinimumRoom = 100;

    private readonly Lock _lock = new();
    private long _observedAt;
    private bool _roomy;
    private long _rpmLimit;
    private long _rpmRemaining;
    private long _rpmResetMs;
    private long _tpmLimit;
    private long _tpmRemaining;
    private long _tpmResetMs;
    private long _balance;
    private long _capRoom;
    private int _outstanding;
    private long _outstandingTokens;

    /// <summary>
    /// Reserves room for one request of <paramref name="tokens"/> prompt tokens if Redis's last answer (younger than
    /// <paramref name="maxAge"/>) leaves plenty after the requests already reserved; the headers' state comes out too.
    /// </summary>
    public bool TryReserve(long tokens, long minBalanceNanos, TimeSpan maxAge, out RateLimitState limits)
    {
        limits = default;
        lock (_lock)
        {
            if (!_roomy || Stopwatch.GetElapsedTime(_observedAt) > maxAge)
            {
                return false;
            }

            var cost = Math.Max(tokens, 1);
            if (!Roomy(_rpmLimit, _rpmRemaining - _outstanding - 1, 1)
                || !Roomy(_tpmLimit, _tpmRemaining - _outstandingTokens - cost, cost)
                || _balance < minBalanceNanos
                || (_capRoom >= 0 && _capRoom < minBalanceNanos))
            {
                return false;
            }

            _outstanding++;
            _outstandingTokens += cost;
            limits = new RateLimitState(
                _rpmLimit, _rpmLimit > 0 ? _rpmRemaining - _outstanding : 0, _rpmResetMs,
                _tpmLimit, _tpmLimit > 0 ? _tpmRemaining - _outstandingTokens : 0, _tpmResetMs);
            return true;
        }
    }

    /// <summary>
    /// An admission waited for is on its way to Redis: until its answer (<see cref="Release"/>) it counts against the
    /// room, as a reservation does.
    /// </summary>
    public void Track(long tokens)
    {
        lock (_lock)
        {
            _outstanding++;
            _outstandingTokens += Math.Max(tokens, 1);
        }
    }

    /// <summary>An admission's answer arrived (or will never): its reservation ends.</summary>
    public void Release(long tokens)
    {
        lock (_lock)
        {
            _outstanding--;
            _outstandingTokens -= Math.Max(tokens, 1);
        }
    }

    /// <summary>
    /// Redis admitted a request and reported the state after it: the limits' room (the tighter of key and account), the
    /// balance and the smallest room under a spend cap (negative: no cap).
    /// </summary>
    public void Record(RateLimitState state, long balance, long capRoom)
    {
        lock (_lock)
        {
            _observedAt = Stopwatch.GetTimestamp();
            _roomy = true;
            (_rpmLimit, _rpmRemaining, _rpmResetMs) = (state.RequestLimit, state.RequestsRemaining, state.RequestsResetMs);
            (_tpmLimit, _tpmRemaining, _tpmResetMs) = (state.TokenLimit, state.TokensRemaining, state.TokensResetMs);
            _balance = balance;
            _capRoom = capRoom;
        }
    }

    /// <summary>Redis refused a request, or could not be asked: wait for it again until it next admits one.</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _roomy = false;
        }
    }

    private static bool Roomy(long limit, long remainingAfter, long cost) =>
        limit <= 0 || (remainingAfter >= limit / 4 && remainingAfter >= MinimumRoom * cost);
}
