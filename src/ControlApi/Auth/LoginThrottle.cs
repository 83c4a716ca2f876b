using System.Threading.RateLimiting;
using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Auth;

/// <summary>
/// Limits login attempts per client address and e-mail, so guessing one account's password is slow while other
/// users behind the same address (or the same user elsewhere) are unaffected.
/// </summary>
internal sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public LoginThrottle(IOptions<ControlApiOptions> options)
    {
        var auth = options.Value.Auth;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = auth.LoginAttempts,
            Window = auth.LoginWindow,
            QueueLimit = 0,
        }));
        Window = auth.LoginWindow;
    }

    public TimeSpan Window { get; }

    /// <summary>True when one more attempt is allowed for this address and e-mail.</summary>
    public bool TryAcquire(string address, string email)
    {
        using var lease = _limiter.AttemptAcquire(address + "|" + email);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
