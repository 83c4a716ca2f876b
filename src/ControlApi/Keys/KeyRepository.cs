using Dapper;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Keys;

/// <summary>API keys.</summary>
internal sealed class KeyRepository(Database database)
{
    private const string Columns = "id, account, created_by, name, prefix, key_hash, status, models, rpm, tpm, max_concurrency, daily_cap_nanos, monthly_cap_nanos, end_user_daily_cap_nanos, end_user_monthly_cap_nanos, end_user_rpm, expires_at, rotated_to, created_at, updated_at";

    public async Task<KeyRow> CreateAsync(KeyRow key)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleAsync<KeyRow>(
            "INSERT INTO api_keys (account, created_by, name, prefix, key_hash, status, models, rpm, tpm, max_concurrency, daily_cap_nanos, monthly_cap_nanos, end_user_daily_cap_nanos, end_user_monthly_cap_nanos, end_user_rpm, expires_at, created_at, updated_at) " +
            "VALUES (@Account, @CreatedBy, @Name, @Prefix, @KeyHash, @Status, @Models, @Rpm, @Tpm, @MaxConcurrency, @DailyCapNanos, @MonthlyCapNanos, @EndUserDailyCapNanos, @EndUserMonthlyCapNanos, @EndUserRpm, " +
            $"@ExpiresAt, @CreatedAt, @UpdatedAt) RETURNING {Columns}",
            key);
    }

    public async Task<KeyRow?> FindAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<KeyRow>($"SELECT {Columns} FROM api_keys WHERE id = @id", new { id });
    }

    public async Task<Page<KeyView>> ListAsync(string account, PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM api_keys WHERE account = @account", new { account });
        var rows = await connection.QueryAsync<KeyRow>($"SELECT {Columns} FROM api_keys WHERE account = @account ORDER BY id LIMIT @PageSize OFFSET @Offset", new { account, page.PageSize, page.Offset });
        return page.Of(rows.Select(r => r.ToView()), total);
    }

    public async Task<IReadOnlyList<KeyRow>> AllAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<KeyRow>($"SELECT {Columns} FROM api_keys ORDER BY id")).ToList();
    }

    public async Task UpdateAsync(KeyRow key)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE api_keys SET name = @Name, status = @Status, models = @Models, rpm = @Rpm, tpm = @Tpm, max_concurrency = @MaxConcurrency, " +
            "daily_cap_nanos = @DailyCapNanos, monthly_cap_nanos = @MonthlyCapNanos, end_user_daily_cap_nanos = @EndUserDailyCapNanos, " +
            "end_user_monthly_cap_nanos = @EndUserMonthlyCapNanos, end_user_rpm = @EndUserRpm, expires_at = @ExpiresAt, rotated_to = @RotatedTo, updated_at = @UpdatedAt WHERE id = @Id",
            key);
    }
}
