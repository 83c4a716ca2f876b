namespace MassRouter.Gateway.Limits;

/// <summary>What admission decided for one request.</summary>
internal enum AdmissionVerdict
{
    Admitted,
    RequestsExceeded,
    TokensExceeded,
    ConcurrencyExceeded,
    NoBalance,
    CapReached,
    Suspended,

    /// <summary>Redis unreachable and the failure policy is closed for this key.</summary>
    Unavailable,
}
