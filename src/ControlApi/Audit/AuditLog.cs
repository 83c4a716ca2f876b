using Dapper;
using MassRouter.ControlApi.Http;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Audit;

/// <summary>Records admin actions and key changes; never secrets.</summary>
internal sealed class AuditLog(Database database, TimeProvider time)
{
    public Task WriteAsync(HttpContext context, string action, string target, string? detail = null)
    {
        long? actor = context.User.Identity?.IsAuthenticated == true ? context.User.UserId() : null;
        return WriteAsync(actor, action, target, detail, ClientAddress.Of(context));
    }

    public async Task WriteAsync(long? actorUserId, string action, string target, string? detail, string? ip)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "INSERT INTO audit_log (actor_user_id, action, target, detail, ip, created_at) VALUES (@actorUserId, @action, @target, @detail, @ip, @now)",
            new { actorUserId, action, target, detail, ip, now = time.GetUtcNow().ToUnixTimeMilliseconds() });
    }

    public async Task<Page<AuditEntry>> ListAsync(PageRequest page, string? action, string? target)
    {
        await using var connection = await database.OpenAsync();
        const string Where = "WHERE (@action IS NULL OR action = @action) AND (@target IS NULL OR target = @target)";
        var total = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM audit_log {Where}", new { action, target });
        var rows = await connection.QueryAsync<AuditEntry>(
            $"SELECT id, actor_user_id, action, target, detail, ip, created_at FROM audit_log {Where} ORDER BY id DESC LIMIT @PageSize OFFSET @Offset",
            new { action, target, page.PageSize, page.Offset });
        return page.Of(rows, total);
    }
}
