using MassRouter.ControlApi.Auth;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Audit;

/// <summary>The audit log, for platform admins.</summary>
internal static class AuditApi
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder api)
    {
        var admin = api.MapGroup("/admin/audit").WithTags("Audit").RequireAuthorization(Roles.AdminPolicy);
        admin.MapGet("/", async (AuditLog audit, int? page, int? pageSize, string? action, string? target) =>
            TypedResults.Ok(await audit.ListAsync(PageRequest.From(page, pageSize), action, target)));
        return api;
    }
}
