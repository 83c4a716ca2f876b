using System.Globalization;
using System.Security.Claims;
using MassRouter.ControlApi.Auth;

namespace MassRouter.ControlApi.Http;

/// <summary>Reads the caller's identity from the validated access token.</summary>
internal static class ClaimsPrincipalExtensions
{
    public static long UserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(TokenIssuer.SubjectClaim) ?? throw new InvalidOperationException("No subject claim."), CultureInfo.InvariantCulture);

    public static bool IsPlatformAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);
}
