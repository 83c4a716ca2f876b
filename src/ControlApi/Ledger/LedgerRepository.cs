using System.Data.Common;
using Dapper;
using MassRouter.ControlApi.Storage;
using MassRouter.Core.Usage;

namespace MassRouter.ControlApi.Ledger;

/// <summary>The usage ledger: one row per usage event, idempotent by event id.</summary>
internal sealed class LedgerRepository(Database database, TimeProvider time)
{
    private const string InsertSql =
        "INSERT INTO ledger (event_id, request_id, account, key_id, model, provider, upstream_model, end_user, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, " +
        "cost_nanos, status, http_status, started_at, ended_at, latency_ms, ttft_ms, estimated, recorded_at) VALUES " +
        "(@Id, @RequestId, @Account, @KeyId, @Model, @Provider, @UpstreamModel, @User, @PromptTokens, @CompletionTokens, @CachedTokens, @ReasoningTokens, " +
        "@CostNanos, @Status, @HttpStatus, @StartedAt, @EndedAt, @LatencyMs, @TtftMs, @Estimated, @RecordedAt) ON CONFLICT (event_id) DO NOTHING";

    /// <summary>Inserts the batch in one transaction; events already in the ledger are skipped. Returns rows inserted.</summary>
    public async Task<int> InsertAsync(IReadOnlyList<UsageEvent> events, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(InsertSql, events.Select(e => new
        {
            e.Id, e.RequestId, e.Account, e.KeyId, e.Model, e.Provider, e.UpstreamModel, e.User, e.PromptTokens, e.CompletionTokens, e.CachedTokens, e.ReasoningTokens,
            e.CostNanos, e.Status, HttpStatus = (long)e.HttpStatus, e.StartedAt, e.EndedAt, e.LatencyMs, e.TtftMs, Estimated = e.Estimated ? 1L : 0L, RecordedAt = now,
        }), transaction);
        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }

    public async Task<long> CountAsync(string account)
    {
        await using var connection = await database.OpenAsync();
        return await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM ledger WHERE account = @account", new { account });
    }

    /// <param name="endUser">Only the requests made for this end user, when given.</param>
    public async Task<UsageReport> UsageAsync(string account, long from, long to, string groupBy, PageRequest page, string? endUser = null)
    {
        var bucket = groupBy switch
        {
            UsageGrouping.Model => "model",
            UsageGrouping.Key => "key_id",
            UsageGrouping.User => "COALESCE(end_user, '')",
            _ => "ended_at / 86400000",
        };
        const string Sums = "COUNT(*) AS requests, CAST(COALESCE(SUM(prompt_tokens), 0) AS BIGINT) AS prompt_tokens, CAST(COALESCE(SUM(completion_tokens), 0) AS BIGINT) AS completion_tokens, " +
            "CAST(COALESCE(SUM(cached_tokens), 0) AS BIGINT) AS cached_tokens, CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT) AS cost_nanos";
        var where = "WHERE account = @account AND ended_at >= @from AND ended_at < @to" + (endUser is null ? "" : " AND end_user = @endUser");
        var args = new { account, from, to, endUser, page.PageSize, page.Offset };
        await using var connection = await database.OpenAsync();
        var totals = await connection.QuerySingleAsync<UsageSums>($"SELECT '' AS bucket, {Sums} FROM ledger {where}", args);
        var groups = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM (SELECT {bucket} AS b FROM ledger {where} GROUP BY {bucket}) g", args);
        var rows = await connection.QueryAsync<UsageSums>($"SELECT {bucket} AS bucket, {Sums} FROM ledger {where} GROUP BY {bucket} ORDER BY {bucket} LIMIT @PageSize OFFSET @Offset", args);
        return new UsageReport(account, groupBy, page.Of(rows.Select(r => r.ToRow(groupBy)), groups), totals.ToTotals());
    }

    /// <summary>Streams the raw events of an account in a time range, oldest first.</summary>
    public async IAsyncEnumerable<LedgerEventRow> EventsAsync(string account, long from, long to)
    {
        await using var connection = await database.OpenAsync();
        await foreach (var row in connection.QueryUnbufferedAsync<LedgerEventRow>(
            "SELECT event_id, request_id, key_id, model, provider, end_user, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nanos, status, http_status, ended_at, estimated " +
            "FROM ledger WHERE account = @account AND ended_at >= @from AND ended_at < @to ORDER BY ended_at, id",
            new { account, from, to }))
        {
            yield return row;
        }
    }

    /// <summary>
    /// A page of an account's events in a time range, newest first, narrowed to those matching every filter given.
    /// </summary>
    public async Task<Page<UsageEventView>> EventsPageAsync(string account, long from, long to, UsageEventFilter filter, PageRequest page)
    {
        var where = "WHERE account = @account AND ended_at >= @from AND ended_at < @to"
            + (filter.KeyId is null ? "" : " AND key_id = @KeyId")
            + (filter.Model is null ? "" : " AND model = @Model")
            + (filter.RequestId is null ? "" : " AND request_id = @RequestId")
            + (filter.Status is null ? "" : " AND status = @Status")
            + (filter.User is null ? "" : " AND end_user = @User");
        var args = new { account, from, to, filter.KeyId, filter.Model, filter.RequestId, filter.Status, filter.User, page.PageSize, page.Offset };
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM ledger {where}", args);
        var rows = await connection.QueryAsync<LedgerEventRow>(
            "SELECT event_id, request_id, key_id, model, provider, upstream_model, end_user, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, " +
            $"cost_nanos, status, http_status, started_at, ended_at, latency_ms, ttft_ms, estimated FROM ledger {where} " +
            "ORDER BY ended_at DESC, id DESC LIMIT @PageSize OFFSET @Offset",
            args);
        return page.Of(rows.Select(r => r.ToView()), total);
    }

    private sealed class UsageSums
    {
        public object? Bucket { get; set; }

        public long Requests { get; set; }

        public long PromptTokens { get; set; }

        public long CompletionTokens { get; set; }

        public long CachedTokens { get; set; }

        public long CostNanos { get; set; }

        public UsageRow ToRow(string groupBy)
        {
            var key = groupBy == UsageGrouping.Day
                ? DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(Convert.ToInt64(Bucket, System.Globalization.CultureInfo.InvariantCulture))).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)
                : Convert.ToString(Bucket, System.Globalization.CultureInfo.InvariantCulture) ?? "";
            return new UsageRow(key, Requests, PromptTokens, CompletionTokens, CachedTokens, CostNanos);
        }

        public UsageTotals ToTotals() => new(Requests, PromptTokens, CompletionTokens, CachedTokens, CostNanos);
    }
}
