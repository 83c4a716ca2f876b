using System.Text;
using MassRouter.Gateway.Errors;
using MassRouter.Gateway.Hashing;
using MassRouter.Gateway.Limits;
using StackExchange.Redis;

namespace MassRouter.Gateway.Auth;

/// <summary>
/// Reads the presented key (<c>Authorization: Bearer</c> or <c>x-api-key</c>), hashes it and asks the key store.
/// Unauthenticated and failed attempts draw on a per-client-IP limiter, so a flood of bad keys is cut off before it
/// reaches Redis.
/// </summary>
internal sealed class ApiKeyAuthenticator(IApiKeyStore store, ClientIpLimiter ipLimiter)
{
    private const int MaxKeyLength = 512;

    public ValueTask<AuthResult> AuthenticateAsync(HttpContext context)
    {
        var presented = ReadPresentedKey(context.Request.Headers);
        if (presented.IsEmpty || presented.Length > MaxKeyLength)
        {
            return ValueTask.FromResult(Fail(context, presented.IsEmpty ? AuthFailure.MissingKey : AuthFailure.InvalidKey));
        }

        Span<byte> utf8 = stackalloc byte[MaxKeyLength * 3];
        var length = Encoding.UTF8.GetBytes(presented, utf8);
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(utf8[..length], hash);
        var keyHash = new KeyHash(hash);
        if (store.TryFindCached(keyHash, out var key))
        {
            return ValueTask.FromResult(key is null ? Fail(context, AuthFailure.InvalidKey) : new AuthResult(key, AuthFailure.None));
        }

        // A cold lookup touches Redis: an address already over its failure budget does not get to.
        return ipLimiter.IsExhausted(context, out var retryAfter)
            ? ValueTask.FromResult(new AuthResult(null, AuthFailure.Throttled, retryAfter))
            : LoadAsync(context, keyHash);
    }

    /// <summary>Writes the OpenAI-shaped error for a failed authentication.</summary>
    public static Task WriteFailureAsync(HttpContext context, AuthResult result)
    {
        if (result.Failure == AuthFailure.Throttled)
        {
            RateLimitHeaders.WriteRetryAfter(context.Response, result.RetryAfter);
            return OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status429TooManyRequests,
                "Too many unauthenticated requests from your address. Please try again later.",
                "requests",
                code: "rate_limit_exceeded");
        }

        if (result.Failure == AuthFailure.Unavailable)
        {
            return OpenAIErrorResponse.WriteAsync(
                context,
                StatusCodes.Status503ServiceUnavailable,
                "The API key could not be verified right now. Please try again shortly.",
                OpenAIErrorResponse.ServerError,
                code: "service_unavailable");
        }

        var missing = result.Failure == AuthFailure.MissingKey;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return OpenAIErrorResponse.WriteAsync(
            context,
            StatusCodes.Status401Unauthorized,
            missing
                ? "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY' (or in the 'x-api-key' header)."
                : "Incorrect API key provided.",
            code: missing ? "missing_api_key" : "invalid_api_key");
    }

    private async ValueTask<AuthResult> LoadAsync(HttpContext context, KeyHash keyHash)
    {
        ApiKeyInfo? key;
        try
        {
            key = await store.FindAsync(keyHash, context.RequestAborted);
        }
        catch (RedisException)
        {
            return new AuthResult(null, AuthFailure.Unavailable);
        }

        return key is null ? Fail(context, AuthFailure.InvalidKey) : new AuthResult(key, AuthFailure.None);
    }

    private AuthResult Fail(HttpContext context, AuthFailure failure) =>
        ipLimiter.TryCountFailure(context, out var retryAfter)
            ? new AuthResult(null, failure)
            : new AuthResult(null, AuthFailure.Throttled, retryAfter);

    private static ReadOnlySpan<char> ReadPresentedKey(IHeaderDictionary headers)
    {
        var authorization = headers.Authorization;
        if (authorization.Count > 0)
        {
            var value = authorization[0].AsSpan().Trim();
            if (value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return value[7..].Trim();
            }
        }

        var apiKey = headers["x-api-key"];
        return apiKey.Count > 0 ? apiKey[0].AsSpan().Trim() : default;
    }
}
