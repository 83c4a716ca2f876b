namespace MassRouter.Gateway.Forwarding;

/// <summary>Why a request body could not be read.</summary>
internal enum BodyFailure
{
    None,

    /// <summary>Over the limit (413).</summary>
    TooLarge,

    /// <summary>A Content-Encoding the gateway does not decode (415).</summary>
    UnsupportedEncoding,

    /// <summary>Not valid data of its Content-Encoding (400).</summary>
    CorruptEncoding,
}
