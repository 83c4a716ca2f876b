namespace MassRouter.ControlApi.Teams;

/// <summary>Only the given fields change; limits and caps are 0 for unlimited.</summary>
public sealed record UpdateTeamRequest(string? Name, long? Rpm, long? Tpm, long? DailyCapNanos, long? MonthlyCapNanos);
