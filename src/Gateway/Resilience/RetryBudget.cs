namespace MassRouter.Gateway.Resilience;

/// <summary>
/// A token bucket that bounds retries of the same deployment to a share of all requests, so retries cannot amplify a
/// provider's outage: every request deposits <c>ratio</c> of a token, every retry withdraws one. Moving on to a
/// different deployment is not a retry against the failing provider and does not draw on the budget.
/// </summary>
internal sealed class RetryBudget
{
    private const long Scale = 1000;
    private readonly long _deposit;
    private readonly long _capacity;
    private long _tokens;

    public RetryBudget(double ratio, int reserve)
    {
        _deposit = (long)(Math.Clamp(ratio, 0, 1) * Scale);
        _capacity = Math.Max(1, reserve) * Scale;
        _tokens = _capacity;
    }

    /// <summary>Credits the budget for one incoming request.</summary>
    public void Deposit()
    {
        // A bounded add: the bucket never holds more than its reserve, so a long quiet period buys no retry storm.
        var current = Volatile.Read(ref _tokens);
        while (current < _capacity)
        {
            var next = Math.Min(_capacity, current + _deposit);
            var seen = Interlocked.CompareExchange(ref _tokens, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Takes one retry from the budget; false when it is spent.</summary>
    public bool TryWithdraw()
    {
        var current = Volatile.Read(ref _tokens);
        while (current >= Scale)
        {
            var seen = Interlocked.CompareExchange(ref _tokens, current - Scale, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}
