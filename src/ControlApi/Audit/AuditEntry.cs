namespace MassRouter.ControlApi.Audit;

/// <summary>One audited action: who, what, on what, when, from where.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public long? ActorUserId { get; set; }

    public string Action { get; set; } = "";

    public string Target { get; set; } = "";

    public string? Detail { get; set; }

    public string? Ip { get; set; }

    public long CreatedAt { get; set; }
}
