using MassRouter.Gateway.Transforms.OpenAI;

namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>A request a codec refuses, as the OpenAI-shaped error the client receives.</summary>
public readonly record struct CodecError(int Status, string Message, string? Param, string? Code)
{
    /// <summary>A 400 for a client error found while reading the request.</summary>
    public static CodecError BadRequest(in RequestError error) => new(400, error.Message!, error.Param, error.Code);
}
