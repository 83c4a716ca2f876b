namespace MassRouter.Gateway.Transforms.Providers;

/// <summary>A request a codec refuses, as the OpenAI-shaped error the client receives.</summary>
public readonly record struct CodecError(int Status, string Message, string? Param, string? Code);
