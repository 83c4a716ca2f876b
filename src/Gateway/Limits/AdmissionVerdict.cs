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

    /// <summary>The balance is positive but below what the request could cost (its prompt and the output it asked for).</summary>
    CannotAfford,
    Suspended,

    /// <summary>The request's end user has reached the key's daily cap per end user.</summary>
    EndUserDailyCapReached,

    /// <summary>The request's end user has reached the key's monthly cap per end user.</summary>
    EndUserMonthlyCapReached,

    /// <summary>The request's end user is over the key's requests per minute per end user.</summary>
    EndUserRequestsExceeded,

    /// <summary>Redis unreachable and the failure policy is closed for this key.</summary>
    Unavailable,
}
