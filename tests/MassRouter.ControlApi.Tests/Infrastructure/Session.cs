using MassRouter.ControlApi.Auth;

namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>A logged-in user and a client that sends their access token.</summary>
public sealed record Session(long UserId, string Email, string Password, string Account, HttpClient Http, TokenResponse Tokens);
