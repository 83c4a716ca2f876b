using MassRouter.Core.Catalog;

namespace MassRouter.Gateway.Providers;

/// <summary>AWS access keys a Bedrock provider signs its requests with (SigV4); the secret is never logged.</summary>
internal sealed record AwsCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    /// <summary>
    /// Reads a Bedrock credential written <c>ACCESS_KEY_ID:SECRET_ACCESS_KEY</c> or
    /// <c>ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN</c>. Null for anything else, which is a Bedrock API key: those
    /// (<c>ABSK...</c>, <c>bedrock-api-key-...</c>) are base64 and never contain a colon, and neither do access key ids
    /// or secret keys.
    /// </summary>
    public static AwsCredentials? Parse(string? credential) =>
        BedrockEndpoints.AccessKeyParts(credential) is { } parts ? new AwsCredentials(parts[0], parts[1], parts.Length == 3 ? parts[2] : null) : null;

    /// <summary>The standard AWS environment variables, when both keys are set.</summary>
    public static AwsCredentials? FromEnvironment() =>
        Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") is { Length: > 0 } id
        && Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") is { Length: > 0 } secret
            ? new AwsCredentials(id, secret, Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN") is { Length: > 0 } token ? token : null)
            : null;

    /// <summary>Never the secret: records print in logs and debuggers.</summary>
    public override string ToString() => $"AwsCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
