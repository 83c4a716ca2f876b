using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MassRouter.Gateway.Providers;

/// <summary>
/// Signs requests with AWS Signature Version 4 (header form), as Bedrock wants when the provider is given access keys
/// instead of a Bedrock API key. Signed: <c>host</c>, <c>x-amz-date</c> and, with temporary credentials,
/// <c>x-amz-security-token</c>; the payload's SHA-256 is part of the signature, so a body changed on the way is refused.
/// </summary>
internal sealed class AwsSigV4Signer
{
    private const string Algorithm = "AWS4-HMAC-SHA256";
    private readonly string _accessKeyId;
    private readonly byte[] _secretKey;
    private readonly string? _sessionToken;
    private readonly string _region;
    private readonly string _service;

    // The derived key depends only on the day: four HMACs saved per request. Replaced whole, so readers never see a torn pair.
    private DayKey? _signingKey;

    public AwsSigV4Signer(AwsCredentials credentials, string region, string service)
    {
        _accessKeyId = credentials.AccessKeyId;
        _secretKey = Encoding.UTF8.GetBytes("AWS4" + credentials.SecretAccessKey);
        _sessionToken = credentials.SessionToken;
        _region = region;
        _service = service;
    }

    /// <summary>The region requests are signed for.</summary>
    public string Region => _region;

    /// <summary>Adds <c>x-amz-date</c>, the session token if any, and the <c>Authorization</c> header to <paramref name="request"/>.</summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI to sign.");
        var headers = request.Headers;
        var amzDate = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var day = amzDate[..8];
        headers.Remove("x-amz-date");
        headers.Remove("x-amz-security-token");
        headers.TryAddWithoutValidation("x-amz-date", amzDate);
        if (_sessionToken is not null)
        {
            headers.TryAddWithoutValidation("x-amz-security-token", _sessionToken);
        }

        var host = uri.IsDefaultPort ? uri.IdnHost : $"{uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}";
        var signedHeaders = _sessionToken is null ? "host;x-amz-date" : "host;x-amz-date;x-amz-security-token";
        var canonical = new StringBuilder(256)
            .Append(request.Method.Method).Append('\n')
            .Append(CanonicalUri(uri.AbsolutePath)).Append('\n')
            .Append(CanonicalQuery(uri.Query)).Append('\n')
            .Append("host:").Append(host).Append('\n')
            .Append("x-amz-date:").Append(amzDate).Append('\n');
        if (_sessionToken is not null)
        {
            canonical.Append("x-amz-security-token:").Append(_sessionToken.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));

        var scope = $"{day}/{_region}/{_service}/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var signature = Hex(HMACSHA256.HashData(SigningKey(day), Encoding.UTF8.GetBytes(stringToSign)));
        headers.Authorization = new AuthenticationHeaderValue(
            Algorithm,
            $"Credential={_accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    /// <summary>
    /// The path as SigV4 wants it for every service but S3: each segment URI-encoded once more on top of the encoding
    /// it travels with (a model id's <c>%3A</c> is signed as <c>%253A</c>).
    /// </summary>
    internal static string CanonicalUri(string escapedPath)
    {
        if (escapedPath.Length == 0)
        {
            return "/";
        }

        var segments = escapedPath.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = Encode(segments[i]);
        }

        return string.Join('/', segments);
    }

    private static string CanonicalQuery(string query)
    {
        if (query.Length <= 1)
        {
            return "";
        }

        var pairs = query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(static pair =>
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Uri.UnescapeDataString(equals < 0 ? pair : pair[..equals]);
                var value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
                return (Name: Encode(name), Value: Encode(value));
            })
            .OrderBy(static p => p.Name, StringComparer.Ordinal)
            .ThenBy(static p => p.Value, StringComparer.Ordinal);
        return string.Join('&', pairs.Select(static p => $"{p.Name}={p.Value}"));
    }

    // RFC 3986 encoding as SigV4 defines it: unreserved characters kept, every other byte as %XX (upper case).
    private static string Encode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private byte[] SigningKey(string day)
    {
        if (_signingKey is { } cached && cached.Day == day)
        {
            return cached.Key;
        }

        var key = HMACSHA256.HashData(_secretKey, Encoding.UTF8.GetBytes(day));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(_region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(_service));
        key = HMACSHA256.HashData(key, "aws4_request"u8);
        _signingKey = new DayKey(day, key);
        return key;
    }

    private sealed record DayKey(string Day, byte[] Key);

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
