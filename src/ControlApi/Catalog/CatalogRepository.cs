using Dapper;
using MassRouter.ControlApi.Storage;

namespace MassRouter.ControlApi.Catalog;

/// <summary>Providers, models and routes.</summary>
internal sealed class CatalogRepository(Database database)
{
    private const string ProviderColumns = "id, name, kind, flavor, base_url, api_version, credential_protected, enabled, created_at, updated_at, " +
        "connect_timeout_ms, activity_timeout_ms, max_connections, pooled_idle_timeout_ms, warm_connections, burst_idle_timeout_ms, headers_json, responses";

    private const string ModelColumns = "id, public_id, display_name, context_length, input_nanos_per_million, output_nanos_per_million, cached_input_nanos_per_million, enabled, created_at, updated_at, " +
        "first_token_timeout_ms, total_timeout_ms, load_balancing";

    /// <summary>Inserts a provider; null when the name is taken.</summary>
    public async Task<ProviderRow?> CreateProviderAsync(ProviderRow provider)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            return await connection.QuerySingleAsync<ProviderRow>(
                "INSERT INTO providers (name, kind, flavor, base_url, api_version, credential_protected, enabled, created_at, updated_at, " +
                "connect_timeout_ms, activity_timeout_ms, max_connections, pooled_idle_timeout_ms, warm_connections, burst_idle_timeout_ms, headers_json, responses) " +
                "VALUES (@Name, @Kind, @Flavor, @BaseUrl, @ApiVersion, @CredentialProtected, @Enabled, @CreatedAt, @UpdatedAt, " +
                $"@ConnectTimeoutMs, @ActivityTimeoutMs, @MaxConnections, @PooledIdleTimeoutMs, @WarmConnections, @BurstIdleTimeoutMs, @HeadersJson, @Responses) RETURNING {ProviderColumns}",
                provider);
        }
        catch (Exception ex) when (database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    public async Task UpdateProviderAsync(ProviderRow provider)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE providers SET kind = @Kind, flavor = @Flavor, base_url = @BaseUrl, api_version = @ApiVersion, credential_protected = @CredentialProtected, enabled = @Enabled, updated_at = @UpdatedAt, " +
            "connect_timeout_ms = @ConnectTimeoutMs, activity_timeout_ms = @ActivityTimeoutMs, max_connections = @MaxConnections, pooled_idle_timeout_ms = @PooledIdleTimeoutMs, " +
            "warm_connections = @WarmConnections, burst_idle_timeout_ms = @BurstIdleTimeoutMs, headers_json = @HeadersJson, responses = @Responses WHERE id = @Id",
            provider);
    }

    public async Task<ProviderRow?> FindProviderAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<ProviderRow>($"SELECT {ProviderColumns} FROM providers WHERE id = @id", new { id });
    }

    public async Task<Page<ProviderView>> ListProvidersAsync(PageRequest page)
    {
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM providers");
        var rows = await connection.QueryAsync<ProviderRow>($"SELECT {ProviderColumns} FROM providers ORDER BY id LIMIT @PageSize OFFSET @Offset", new { page.PageSize, page.Offset });
        return page.Of(rows.Select(r => r.ToView()), total);
    }

    public async Task<IReadOnlyList<ProviderRow>> AllProvidersAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<ProviderRow>($"SELECT {ProviderColumns} FROM providers ORDER BY id")).ToList();
    }

    /// <summary>Inserts a model; null when the public id is taken.</summary>
    public async Task<ModelRow?> CreateModelAsync(ModelRow model)
    {
        await using var connection = await database.OpenAsync();
        try
        {
            return await connection.QuerySingleAsync<ModelRow>(
                "INSERT INTO models (public_id, display_name, context_length, input_nanos_per_million, output_nanos_per_million, cached_input_nanos_per_million, enabled, created_at, updated_at, " +
                "first_token_timeout_ms, total_timeout_ms, load_balancing) " +
                "VALUES (@PublicId, @DisplayName, @ContextLength, @InputNanosPerMillion, @OutputNanosPerMillion, @CachedInputNanosPerMillion, @Enabled, @CreatedAt, @UpdatedAt, " +
                $"@FirstTokenTimeoutMs, @TotalTimeoutMs, @LoadBalancing) RETURNING {ModelColumns}",
                model);
        }
        catch (Exception ex) when (database.IsUniqueViolation(ex))
        {
            return null;
        }
    }

    public async Task UpdateModelAsync(ModelRow model)
    {
        await using var connection = await database.OpenAsync();
        await connection.ExecuteAsync(
            "UPDATE models SET display_name = @DisplayName, context_length = @ContextLength, input_nanos_per_million = @InputNanosPerMillion, output_nanos_per_million = @OutputNanosPerMillion, " +
            "cached_input_nanos_per_million = @CachedInputNanosPerMillion, enabled = @Enabled, updated_at = @UpdatedAt, " +
            "first_token_timeout_ms = @FirstTokenTimeoutMs, total_timeout_ms = @TotalTimeoutMs, load_balancing = @LoadBalancing WHERE id = @Id",
            model);
    }

    public async Task<ModelRow?> FindModelAsync(long id)
    {
        await using var connection = await database.OpenAsync();
        return await connection.QuerySingleOrDefaultAsync<ModelRow>($"SELECT {ModelColumns} FROM models WHERE id = @id", new { id });
    }

    public async Task<(IReadOnlyList<ModelRow> Models, long Total)> ListModelsAsync(PageRequest page, bool enabledOnly)
    {
        var where = enabledOnly ? "WHERE enabled = 1" : "";
        await using var connection = await database.OpenAsync();
        var total = await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM models {where}");
        var rows = await connection.QueryAsync<ModelRow>($"SELECT {ModelColumns} FROM models {where} ORDER BY public_id LIMIT @PageSize OFFSET @Offset", new { page.PageSize, page.Offset });
        return (rows.ToList(), total);
    }

    public async Task<IReadOnlyList<ModelRow>> AllModelsAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<ModelRow>($"SELECT {ModelColumns} FROM models ORDER BY public_id")).ToList();
    }

    public async Task<ILookup<long, RouteRow>> RoutesAsync(IEnumerable<long>? modelIds = null)
    {
        await using var connection = await database.OpenAsync();
        var rows = await connection.QueryAsync<RouteRow>(
            "SELECT r.model_id, r.position, p.name AS provider, r.upstream_model, r.weight FROM model_routes r JOIN providers p ON p.id = r.provider_id ORDER BY r.model_id, r.position");
        var wanted = modelIds?.ToHashSet();
        return rows.Where(r => wanted is null || wanted.Contains(r.ModelId)).ToLookup(r => r.ModelId);
    }

    /// <summary>Replaces a model's route; the deployments are (provider id, upstream model, weight) in order.</summary>
    public async Task ReplaceRoutesAsync(long modelId, IReadOnlyList<(long ProviderId, string UpstreamModel, int Weight)> deployments, long now)
    {
        await using var connection = await database.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("DELETE FROM model_routes WHERE model_id = @modelId", new { modelId }, transaction);
        await connection.ExecuteAsync(
            "INSERT INTO model_routes (model_id, position, provider_id, upstream_model, weight) VALUES (@modelId, @position, @providerId, @upstreamModel, @weight)",
            deployments.Select((d, i) => new { modelId, position = (long)i, providerId = d.ProviderId, upstreamModel = d.UpstreamModel, weight = (long)d.Weight }), transaction);
        await connection.ExecuteAsync("UPDATE models SET updated_at = @now WHERE id = @modelId", new { modelId, now }, transaction);
        await transaction.CommitAsync();
    }

    public async Task<IReadOnlyDictionary<string, long>> ProviderIdsAsync()
    {
        await using var connection = await database.OpenAsync();
        return (await connection.QueryAsync<(string Name, long Id)>("SELECT name, id FROM providers")).ToDictionary(p => p.Name, p => p.Id, StringComparer.Ordinal);
    }
}
