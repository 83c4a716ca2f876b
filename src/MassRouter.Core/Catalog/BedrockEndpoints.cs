namespace MassRouter.Core.Catalog;

/// <summary>Where Bedrock lives: its runtime endpoints and the region their host names.</summary>
public static class BedrockEndpoints
{
    /// <summary>The service name requests are signed for.</summary>
    public const string SigningService = "bedrock";

    /// <summary>The runtime endpoint of a region.</summary>
    public static string ForRegion(string region) => $"https://bedrock-runtime.{region}.amazonaws.com";

    /// <summary>
    /// The region an AWS runtime host names: <c>bedrock-runtime.us-east-1.amazonaws.com</c>, its <c>-fips</c> variant, and
    /// interface VPC endpoints (<c>vpce-….bedrock-runtime.eu-west-1.vpce.amazonaws.com</c>). Null for any other host.
    /// </summary>
    public static string? RegionOf(string host)
    {
        var labels = host.Split('.');
        for (var i = 0; i + 1 < labels.Length; i++)
        {
            if (labels[i] is "bedrock-runtime" or "bedrock-runtime-fips" && IsAws(host))
            {
                return labels[i + 1];
            }
        }

        return null;
    }

    /// <summary>
    /// True for a Bedrock credential made of AWS access keys (<c>ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]</c>),
    /// which sign requests and so need a region; anything else is a Bedrock API key (base64, never a colon).
    /// </summary>
    public static bool IsAccessKeyCredential(string? credential) => credential?.Contains(':', StringComparison.Ordinal) == true;

    /// <summary>The access key id, secret and optional session token of an access-key credential; null when malformed or not one.</summary>
    public static string[]? AccessKeyParts(string? credential)
    {
        var parts = credential?.Split(':', StringSplitOptions.TrimEntries);
        return parts is { Length: 2 or 3 } && parts.All(static p => p.Length > 0) ? parts : null;
    }

    /// <summary>True for AWS's own hosts (commercial and China partitions), the only ones ambient AWS credentials go to.</summary>
    public static bool IsAws(string host) =>
        host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".amazonaws.com.cn", StringComparison.OrdinalIgnoreCase);
}
