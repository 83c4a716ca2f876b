namespace MassRouter.ControlApi.Teams;

/// <summary>A row of <c>teams</c>; limits and caps go to the team's account record.</summary>
internal sealed class TeamRow
{
    public long Id { get; set; }

    public string Name { get; set; } = "";

    public long Rpm { get; set; }

    public long Tpm { get; set; }

    public long DailyCapNanos { get; set; }

    public long MonthlyCapNanos { get; set; }

    public long CreatedBy { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    /// <summary>The reading user's role, when the query joined the membership (not a column of <c>teams</c>).</summary>
    public string? MyRole { get; set; }

    public TeamView ToView(string? myRole) => new(Id, Accounts.AccountId.Team(Id), Name, Rpm, Tpm, DailyCapNanos, MonthlyCapNanos, CreatedAt, myRole);
}
