using Dapper;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Auth;

/// <summary>Users and their status.</summary>
internal sealed class UserRepository(Database database)
{
    private const string Columns = "id, email, password_hash, display_name, role, status, created_at, updated_at";

    /// <summary>Inserts a user; null when the e-mail is taken.</summary>
    public async Task<UserRow?> CreateAsync(string email, string passwordHash, string displayName, string role, long now)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            return await connection.QuerySingleAsync<UserRow>(
                $"INSERT INTO users (email, password_hash, display_name, role, status, created_at, updated_at) VALUES (@email, @passwordHash, @displayName, @role, @status, @now, @now) RETURNING {Columns}",
                new { email, passwordHash, displayName, role, status = Core.Redis.RecordStatus.Active, now });
        }
        catch (Exception ex) when (database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    public async Task<UserRow?> FindByEmailAsync(string email)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<UserRow>($"SELECT {Columns} FROM users WHERE email = @email", new { email });
    }

    public async Task<UserRow?> FindAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<UserRow>($"SELECT {Columns} FROM users WHERE id = @id", new { id });
    }

    public async Task<bool> AnyAdminAsync()
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users WHERE role = @role", new { role = Roles.Admin }) > 0;
    }

    public async Task<Page<UserView>> ListAsync(PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM users");
        var rows = await connection.QueryAsync<UserRow>($"SELECT {Columns} FROM users ORDER BY id LIMIT @PageSize OFFSET @Offset", new { page.PageSize, page.Offset });
        return page.Of(rows.Select(r => r.ToView()), total);
    }

    public async Task<IReadOnlyList<UserRow>> AllAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<UserRow>($"SELECT {Columns} FROM users ORDER BY id")).ToList();
    }

    public async Task<bool> SetStatusAsync(long id, string status, long now)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync("UPDATE users SET status = @status, updated_at = @now WHERE id = @id", new { id, status, now }) == 1;
    }

    public async Task<bool> SetRoleAsync(long id, string role, long now)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteAsync("UPDATE users SET role = @role, updated_at = @now WHERE id = @id", new { id, role, now }) == 1;
    }

    public async Task UpdateProfileAsync(long id, string displayName, string passwordHash, long now)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE users SET display_name = @displayName, password_hash = @passwordHash, updated_at = @now WHERE id = @id",
            new { id, displayName, passwordHash, now });
    }
}
