namespace MassRouter.ControlApi.Auth;

/// <summary>Tokens returned by login and refresh; <c>ExpiresIn</c> is the access token's lifetime in seconds.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, long ExpiresIn, string TokenType = "Bearer");
