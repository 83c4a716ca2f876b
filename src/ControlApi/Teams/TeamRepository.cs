using Dapper;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Teams;

/// <summary>Teams and memberships.</summary>
internal sealed class TeamRepository(Database database)
{
    private const string Columns = "id, name, rpm, tpm, daily_cap_nanos, monthly_cap_nanos, created_by, created_at, updated_at";

    public async Task<TeamRow> CreateAsync(string name, long ownerUserId, long now)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var team = await connection.QuerySingleAsync<TeamRow>(
            $"INSERT INTO teams (name, created_by, created_at, updated_at) VALUES (@name, @ownerUserId, @now, @now) RETURNING {Columns}",
            new { name, ownerUserId, now }, transaction);
        await connection.ExecuteAsync(
            "INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (@Id, @ownerUserId, @role, @now)",
            new { team.Id, ownerUserId, role = TeamRoles.Owner, now }, transaction);
        await transaction.CommitAsync();
        return team;
    }

    public async Task<TeamRow?> FindAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<TeamRow>($"SELECT {Columns} FROM teams WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<TeamRow>> AllAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<TeamRow>($"SELECT {Columns} FROM teams ORDER BY id")).ToList();
    }

    public async Task<string?> GetRoleAsync(long teamId, long userId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<string>("SELECT role FROM team_members WHERE team_id = @teamId AND user_id = @userId", new { teamId, userId });
    }

    public async Task<Page<TeamView>> ListForUserAsync(long userId, PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM team_members WHERE user_id = @userId", new { userId });
        var rows = await connection.QueryAsync<TeamRow>(
            "SELECT t.id, t.name, t.rpm, t.tpm, t.daily_cap_nanos, t.monthly_cap_nanos, t.created_by, t.created_at, t.updated_at, m.role AS my_role " +
            "FROM teams t JOIN team_members m ON m.team_id = t.id WHERE m.user_id = @userId ORDER BY t.id LIMIT @PageSize OFFSET @Offset",
            new { userId, page.PageSize, page.Offset });
        return page.Of(rows.Select(r => r.ToView(r.MyRole)), total);
    }

    public async Task UpdateAsync(TeamRow team, long now)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE teams SET name = @Name, rpm = @Rpm, tpm = @Tpm, daily_cap_nanos = @DailyCapNanos, monthly_cap_nanos = @MonthlyCapNanos, updated_at = @now WHERE id = @Id",
            new { team.Name, team.Rpm, team.Tpm, team.DailyCapNanos, team.MonthlyCapNanos, team.Id, now });
    }

    public async Task<Page<TeamMemberView>> MembersAsync(long teamId, PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM team_members WHERE team_id = @teamId", new { teamId });
        var rows = await connection.QueryAsync<MemberRow>(
            "SELECT m.user_id, u.email, u.display_name, m.role, m.created_at FROM team_members m JOIN users u ON u.id = m.user_id " +
            "WHERE m.team_id = @teamId ORDER BY m.user_id LIMIT @PageSize OFFSET @Offset",
            new { teamId, page.PageSize, page.Offset });
        return page.Of(rows.Select(r => new TeamMemberView(r.UserId, r.Email, r.DisplayName, r.Role, r.CreatedAt)), total);
    }

    /// <summary>Adds a member; false when the user already is one.</summary>
    public async Task<bool> AddMemberAsync(long teamId, long userId, string role, long now)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            await connection.ExecuteAsync("INSERT INTO team_members (team_id, user_id, role, created_at) VALUES (@teamId, @userId, @role, @now)", new { teamId, userId, role, now });
            return true;
        }
        catch (Exception ex) when (database.IsUniqueViolation(ex))
        {
            return false;
        }
    }

    public async Task SetRoleAsync(long teamId, long userId, string role)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("UPDATE team_members SET role = @role WHERE team_id = @teamId AND user_id = @userId", new { teamId, userId, role });
    }

    public async Task RemoveMemberAsync(long teamId, long userId)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("DELETE FROM team_members WHERE team_id = @teamId AND user_id = @userId", new { teamId, userId });
    }

    public async Task<long> CountOwnersAsync(long teamId)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM team_members WHERE team_id = @teamId AND role = @role", new { teamId, role = TeamRoles.Owner });
    }

    private sealed class MemberRow
    {
        public long UserId { get; set; }

        public string Email { get; set; } = "";

        public string DisplayName { get; set; } = "";

        public string Role { get; set; } = "";

        public long CreatedAt { get; set; }
    }
}
