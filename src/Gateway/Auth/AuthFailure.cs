namespace MassRouter.Gateway.Auth;

/// <summary>Why a request was not authenticated.</summary>
internal enum AuthFailure
{
    None,
    MissingKey,
    InvalidKey,

    /// <summary>The client's address sent too many unauthenticated or failed requests.</summary>
    Throttled,

    /// <summary>The key is not cached and Redis cannot be reached to load it.</summary>
    Unavailable,
}
