using MassRouter.ControlApi.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Health;

/// <summary>Liveness and readiness (database and Redis reachable).</summary>
internal static class HealthApi
{
    /// <summary>The methods of the health and metrics endpoints: probes and load balancers may ask with HEAD.</summary>
    public static readonly string[] Methods = [HttpMethods.Get, HttpMethods.Head];

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods("/healthz", Methods, () => TypedResults.Text("ok")).ExcludeFromDescription();
        endpoints.MapMethods("/readyz", Methods, ReadyAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<Results<Ok<string>, ProblemHttpResult>> ReadyAsync(Database database, IConnectionMultiplexer redis)
    {
        try
        {
            await using (var connection = await database.OpenAsync())
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT 1";
                await command.ExecuteScalarAsync();
            }

            await redis.GetDatabase().PingAsync();
            return TypedResults.Ok("ready");
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or RedisException or TimeoutException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready", detail: ex.GetType().Name);
        }
    }
}
