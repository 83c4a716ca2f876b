namespace MassRouter.ControlApi.Auth;

/// <summary>A user as the API shows it (never the password hash).</summary>
public sealed record UserView(long Id, string Email, string DisplayName, string Role, string Status, long CreatedAt);

public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName);

public sealed record LoginRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>Tokens returned by login and refresh; <c>ExpiresIn</c> is the access token's lifetime in seconds.</summary>
public sealed record TokenResponse(string AccessToken, string RefreshToken, long ExpiresIn, string TokenType = "Bearer");

public sealed record UpdateProfileRequest(string? DisplayName, string? CurrentPassword, string? NewPassword);
