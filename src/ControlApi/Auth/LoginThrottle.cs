using System.Threading.RateLimiting;
using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Auth;

/// <summary>
/// Limits login attempts per client address and e-mail, so guessing one account's password is slow while other
/// users behind the same address (or the same user elsewhere) are unaffected; a looser per-address limit slows one
/// address trying many accounts (credential stuffing).
/// </summary>
internal sealed class LoginThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly PartitionedRateLimiter<string> _addressLimiter;

    public LoginThrottle(IOptions<ControlApiOptions> options)
    {
        var auth = options.Value.Auth;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = auth.LoginAttempts,
            Window = auth.LoginWindow,
            QueueLimit = 0,
        }));
        _addressLimiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = auth.LoginAttemptsPerAddress,
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
        if (!lease.IsAcquired)
        {
            return false;
        }

        using var addressLease = _addressLimiter.AttemptAcquire(address);
        return addressLease.IsAcquired;
    }

    public void Dispose()
    {
        _limiter.Dispose();
        _addressLimiter.Dispose();
    }
}
