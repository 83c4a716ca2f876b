using Dapper;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Billing;

/// <summary>Payments, adjustments and the balance they make with the ledger.</summary>
internal sealed class BillingRepository(Database database)
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Reserved before the provider is charged, so a concurrent request with the same Idempotency-Key cannot charge too.</summary>
    public const string Pending = "pending";

    private const string PaymentColumns = "id, account, user_id AS userid, amount_nanos AS amountnanos, provider, external_id AS externalid, status, created_at AS createdat";

    public async Task<PaymentView> AddPaymentAsync(string account, long userId, long amountNanos, string provider, string externalId, string status, long now)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleAsync<PaymentView>(
            "INSERT INTO payments (account, user_id, amount_nanos, provider, external_id, status, created_at) VALUES (@account, @userId, @amountNanos, @provider, @externalId, @status, @now) " +
            "RETURNING " + PaymentColumns,
            new { account, userId, amountNanos, provider, externalId, status, now });
    }

    /// <summary>
    /// Inserts a <see cref="Pending"/> payment before the provider is charged; null when the account already has a payment
    /// with <paramref name="idempotencyKey"/> (the unique index decides between concurrent requests).
    /// </summary>
    public async Task<PaymentView?> ReservePaymentAsync(string account, long userId, long amountNanos, string provider, string? idempotencyKey, long now)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            return await connection.QuerySingleAsync<PaymentView>(
                "INSERT INTO payments (account, user_id, amount_nanos, provider, external_id, status, created_at, idempotency_key) " +
                "VALUES (@account, @userId, @amountNanos, @provider, '', @pending, @now, @idempotencyKey) RETURNING " + PaymentColumns,
                new { account, userId, amountNanos, provider, pending = Pending, now, idempotencyKey });
        }
        catch (Exception ex) when (idempotencyKey is not null && database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    /// <summary>
    /// Records the provider's answer on a reserved payment that is still <see cref="Pending"/>; null when someone else
    /// (the request that reserved it, or the pending-payment recovery of any instance) resolved it first. The
    /// conditional update is the claim: of two resolvers exactly one moves the row, and only that one credits it.
    /// </summary>
    public async Task<PaymentView?> CompletePaymentAsync(long id, string externalId, string status)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<PaymentView>(
            "UPDATE payments SET external_id = @externalId, status = @status WHERE id = @id AND status = @pending RETURNING " + PaymentColumns,
            new { id, externalId, status, pending = Pending });
    }

    public async Task<PaymentView?> FindPaymentAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<PaymentView>("SELECT " + PaymentColumns + " FROM payments WHERE id = @id", new { id });
    }

    /// <summary><see cref="Pending"/> payments reserved before <paramref name="before"/> (Unix ms) with an id above <paramref name="afterId"/>, by id.</summary>
    public async Task<IReadOnlyList<PaymentView>> PendingAsync(long before, long afterId, int limit)
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<PaymentView>(
            "SELECT " + PaymentColumns + " FROM payments WHERE status = @pending AND created_at < @before AND id > @afterId ORDER BY id LIMIT @limit",
            new { pending = Pending, before, afterId, limit })).AsList();
    }

    public async Task<PaymentView?> FindByIdempotencyKeyAsync(string account, string idempotencyKey)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<PaymentView>(
            "SELECT " + PaymentColumns + " FROM payments WHERE account = @account AND idempotency_key = @idempotencyKey",
            new { account, idempotencyKey });
    }

    /// <summary>Notes that the payment's amount reached the Redis working balance.</summary>
    public async Task MarkCreditedAsync(long id, long now)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync("UPDATE payments SET credited_at = @now WHERE id = @id AND credited_at IS NULL", new { id, now });
    }

    public async Task<bool> IsCreditedAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM payments WHERE id = @id AND credited_at IS NOT NULL", new { id }) > 0;
    }

    /// <summary>Succeeded payments whose credit has not reached Redis yet, oldest first.</summary>
    public async Task<IReadOnlyList<PaymentView>> UncreditedAsync(int limit)
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<PaymentView>(
            "SELECT " + PaymentColumns + " FROM payments WHERE status = @succeeded AND credited_at IS NULL ORDER BY id LIMIT @limit",
            new { succeeded = Succeeded, limit })).AsList();
    }

    public async Task<Page<PaymentView>> PaymentsAsync(string account, PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM payments WHERE account = @account", new { account });
        var rows = await connection.QueryAsync<PaymentView>(
            "SELECT " + PaymentColumns + " FROM payments WHERE account = @account ORDER BY id DESC LIMIT @PageSize OFFSET @Offset",
            new { account, page.PageSize, page.Offset });
        return page.Of(rows, total);
    }

    public async Task<AdjustmentView> AddAdjustmentAsync(string account, long amountNanos, string reason, long adminUserId, long now)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleAsync<AdjustmentView>(
            "INSERT INTO adjustments (account, amount_nanos, reason, admin_user_id, created_at) VALUES (@account, @amountNanos, @reason, @adminUserId, @now) " +
            "RETURNING id, account, amount_nanos AS amountnanos, reason, admin_user_id AS adminuserid, created_at AS createdat",
            new { account, amountNanos, reason, adminUserId, now });
    }

    public async Task<Page<AdjustmentView>> AdjustmentsAsync(string account, PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM adjustments WHERE account = @account", new { account });
        var rows = await connection.QueryAsync<AdjustmentView>(
            "SELECT id, account, amount_nanos AS amountnanos, reason, admin_user_id AS adminuserid, created_at AS createdat FROM adjustments WHERE account = @account ORDER BY id DESC LIMIT @PageSize OFFSET @Offset",
            new { account, page.PageSize, page.Offset });
        return page.Of(rows, total);
    }

    public async Task<BalanceBreakdown> BalanceAsync(string account)
    {
        await using var connection = await database.OpenAsync();
        return await BalanceAsync(connection, null, account);
    }

    /// <summary>
    /// The balance and which of <paramref name="eventIds"/> the ledger holds, read in one snapshot so an event the
    /// flusher commits meanwhile is counted in both or in neither.
    /// </summary>
    public async Task<(BalanceBreakdown Balance, HashSet<string> Recorded)> BalanceWithEventsAsync(string account, IReadOnlyCollection<string> eventIds)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var balance = await BalanceAsync(connection, transaction, account);
        var recorded = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in eventIds.Chunk(500))
        {
            recorded.UnionWith(await connection.QueryAsync<string>(
                $"SELECT event_id FROM ledger WHERE event_id IN ({string.Join(',', chunk.Select((_, i) => "@e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)))})",
                new DynamicParameters(chunk.Select((id, i) => KeyValuePair.Create("e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), (object)id)).ToDictionary()),
                transaction));
        }

        await transaction.CommitAsync();
        return (balance, recorded);
    }

    private static Task<BalanceBreakdown> BalanceAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string account) =>
        connection.QuerySingleAsync<BalanceBreakdown>(
            "SELECT " +
            "CAST(COALESCE((SELECT SUM(amount_nanos) FROM payments WHERE account = @account AND status = @succeeded), 0) AS BIGINT) AS payments, " +
            "CAST(COALESCE((SELECT SUM(amount_nanos) FROM adjustments WHERE account = @account), 0) AS BIGINT) AS adjustments, " +
            "CAST(COALESCE((SELECT SUM(cost_nanos) FROM ledger WHERE account = @account), 0) AS BIGINT) AS usage",
            new { account, succeeded = Succeeded },
            transaction);

    public async Task<bool> HasPaidAsync(string account)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM payments WHERE account = @account AND status = @succeeded", new { account, succeeded = Succeeded }) > 0;
    }

    /// <summary>Every account (users, then teams), paged.</summary>
    public async Task<Page<string>> AccountsAsync(PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM teams)");
        var rows = await connection.QueryAsync<AccountRow>(
            "SELECT kind, id FROM (SELECT 0 AS kind, id FROM users UNION ALL SELECT 1 AS kind, id FROM teams) a ORDER BY kind, id LIMIT @PageSize OFFSET @Offset",
            new { page.PageSize, page.Offset });
        return page.Of(rows.Select(r => r.Kind == 0 ? Accounts.AccountId.User(r.Id) : Accounts.AccountId.Team(r.Id)), total);
    }

    private sealed class AccountRow
    {
        public long Kind { get; set; }

        public long Id { get; set; }
    }
}
