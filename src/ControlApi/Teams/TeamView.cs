namespace MassRouter.ControlApi.Teams;

/// <summary>A team; <c>Account</c> is the id its keys and usage are billed to, <c>MyRole</c> the caller's role.</summary>
public sealed record TeamView(long Id, string Account, string Name, long Rpm, long Tpm, long DailyCapNanos, long MonthlyCapNanos, long CreatedAt, string? MyRole);
