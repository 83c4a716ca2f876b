using MassRouter.Core.Redis;

namespace MassRouter.ControlApi.Auth;

/// <summary>Starts and refreshes sessions: an access token plus a refresh token in a rotating family.</summary>
internal sealed class TokenSession(TokenIssuer issuer, RefreshTokenRepository refreshTokens, UserRepository users, TimeProvider time)
{
    public async Task<TokenResponse> StartAsync(UserRow user)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var refresh = TokenIssuer.NewRefreshToken();
        await refreshTokens.CreateAsync(user.Id, Guid.NewGuid().ToString("N"), TokenIssuer.HashToken(refresh), now, now + (long)issuer.RefreshTokenLifetime.TotalMilliseconds);
        return Tokens(user, refresh);
    }

    public async Task<(TokenResponse? Tokens, RotationOutcome Outcome)> RefreshAsync(string refreshToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var next = TokenIssuer.NewRefreshToken();
        var outcome = await refreshTokens.RotateAsync(TokenIssuer.HashToken(refreshToken), TokenIssuer.HashToken(next), now, now + (long)issuer.RefreshTokenLifetime.TotalMilliseconds);
        if (outcome.Result != RotationResult.Rotated)
        {
            return (null, outcome);
        }

        var user = await users.FindAsync(outcome.UserId);
        if (user is null || user.Status != RecordStatus.Active)
        {
            await refreshTokens.RevokeAllForUserAsync(outcome.UserId, now);
            return (null, outcome with { Result = RotationResult.Revoked });
        }

        return (Tokens(user, next), outcome);
    }

    private TokenResponse Tokens(UserRow user, string refresh) =>
        new(issuer.AccessToken(user.Id, user.Email, user.Role), refresh, (long)issuer.AccessTokenLifetime.TotalSeconds);
}
