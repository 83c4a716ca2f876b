using System.Security.Claims;
using System.Security.Cryptography;
using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace MassRouter.ControlApi.Auth;

/// <summary>Issues short-lived JWT access tokens and opaque refresh tokens (only their SHA-256 is stored).</summary>
internal sealed class TokenIssuer(IOptions<ControlApiOptions> options, TimeProvider time)
{
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";

    private readonly JsonWebTokenHandler _handler = new();

    public static SymmetricSecurityKey SigningKey(JwtOptions jwt) => new(Convert.FromBase64String(jwt.SigningKey));

    public TimeSpan AccessTokenLifetime => options.Value.Jwt.AccessTokenLifetime;

    public TimeSpan RefreshTokenLifetime => options.Value.Jwt.RefreshTokenLifetime;

    public string AccessToken(long userId, string email, string role)
    {
        var jwt = options.Value.Jwt;
        var now = time.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = jwt.Issuer,
            Audience = jwt.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + jwt.AccessTokenLifetime,
            Subject = new ClaimsIdentity(
            [
                new Claim(SubjectClaim, userId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Claim("email", email),
                new Claim(RoleClaim, role),
                new Claim("jti", Guid.NewGuid().ToString("N")),
            ]),
            SigningCredentials = new SigningCredentials(SigningKey(jwt), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A new random refresh token (base64url, 256 bits).</summary>
    public static string NewRefreshToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));
}
