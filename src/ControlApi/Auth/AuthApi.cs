using System.Net.Mail;
using MassRouter.ControlApi.Accounts;
using MassRouter.ControlApi.Audit;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Redis;
using MassRouter.Core.Redis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Auth;

/// <summary>Register, log in, refresh, log out.</summary>
internal static class AuthApi
{
    public const int MinPasswordLength = 10;

    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder api)
    {
        var auth = api.MapGroup("/auth").WithTags("Auth").AllowAnonymous();
        auth.MapPost("/register", RegisterAsync);
        auth.MapPost("/login", LoginAsync);
        auth.MapPost("/refresh", RefreshAsync);
        auth.MapPost("/logout", LogoutAsync);
        return api;
    }

    internal static string NormalizeEmail(string? email) => (email ?? "").Trim().ToLowerInvariant();

    internal static ValidationErrors ValidatePassword(ValidationErrors errors, string? password, string field) =>
        errors.Check(password is { Length: >= MinPasswordLength and <= 256 }, field, $"Must be {MinPasswordLength} to 256 characters.");

    private static async Task<Results<Created<UserView>, ValidationProblem, ProblemHttpResult>> RegisterAsync(
        RegisterRequest request, UserRepository users, PasswordHasher hasher, RedisState redis, TimeProvider time)
    {
        var email = NormalizeEmail(request.Email);
        var errors = new ValidationErrors()
            .Check(email.Length <= 254 && MailAddress.TryCreate(email, out _), "email", "Must be a valid e-mail address.")
            .Text(request.DisplayName, "displayName", 100, required: false);
        ValidatePassword(errors, request.Password, "password");
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? email : request.DisplayName.Trim();
        var user = await users.CreateAsync(email, hasher.Hash(request.Password!), displayName, Roles.User, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (user is null)
        {
            return Problems.Conflict("An account with this e-mail already exists.");
        }

        await redis.WriteAccountAsync(AccountId.User(user.Id), new AccountRecord(RecordStatus.Active));
        return TypedResults.Created("/api/me", user.ToView());
    }

    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> LoginAsync(
        LoginRequest request, HttpContext context, UserRepository users, PasswordHasher hasher, LoginThrottle throttle, TokenSession sessions, AuditLog audit)
    {
        var email = NormalizeEmail(request.Email);
        var errors = new ValidationErrors().Text(email, "email", 254).Text(request.Password, "password", 256);
        if (!errors.IsValid)
        {
            return errors.Problem();
        }

        if (!throttle.TryAcquire(ClientAddress.Of(context), email))
        {
            context.Response.Headers.RetryAfter = ((int)throttle.Window.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many login attempts", detail: "Try again later.");
        }

        var user = await users.FindByEmailAsync(email);
        if (!hasher.Verify(request.Password!, user?.PasswordHash) || user is null)
        {
            await audit.WriteAsync(null, "auth.login_failed", "email:" + email, null, ClientAddress.Of(context));
            return Problems.Unauthorized("Wrong e-mail or password.");
        }

        if (user.Status != RecordStatus.Active)
        {
            return Problems.Forbidden("This account is suspended.");
        }

        return TypedResults.Ok(await sessions.StartAsync(user));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RefreshAsync(
        RefreshRequest request, HttpContext context, TokenSession sessions, AuditLog audit)
    {
        if (string.IsNullOrEmpty(request.RefreshToken))
        {
            return Problems.Unauthorized("A refresh token is required.");
        }

        var (tokens, outcome) = await sessions.RefreshAsync(request.RefreshToken);
        if (outcome.Result == RotationResult.ReuseDetected)
        {
            await audit.WriteAsync(outcome.UserId, "auth.refresh_reuse", "user:" + outcome.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture), "token family revoked", ClientAddress.Of(context));
        }

        return tokens is null ? Problems.Unauthorized("The refresh token is not valid.") : TypedResults.Ok(tokens);
    }

    private static async Task<NoContent> LogoutAsync(RefreshRequest request, RefreshTokenRepository tokens, TimeProvider time)
    {
        if (!string.IsNullOrEmpty(request.RefreshToken))
        {
            await tokens.RevokeFamilyOfAsync(TokenIssuer.HashToken(request.RefreshToken), time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        return TypedResults.NoContent();
    }
}
