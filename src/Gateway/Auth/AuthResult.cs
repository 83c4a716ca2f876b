namespace MassRouter.Gateway.Auth;

/// <summary>The outcome of authenticating one request.</summary>
internal readonly record struct AuthResult(ApiKeyInfo? Key, AuthFailure Failure, TimeSpan RetryAfter = default)
{
    /// <summary>The error code the client sees (and the rejection metric's label).</summary>
    public string Code => Failure switch
    {
        AuthFailure.MissingKey => "missing_api_key",
        AuthFailure.Throttled => "rate_limit_exceeded",
        AuthFailure.Unavailable => "service_unavailable",
        _ => "invalid_api_key",
    };
}
