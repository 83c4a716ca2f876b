using System.Data.Common;
using Dapper;

namespace MassRouter.ControlApi.Storage;

/// <summary>Opens connections for the configured dialect; repositories run their SQL through it with Dapper.</summary>
internal sealed class Database
{
    static Database()
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
    }

    public Database(SqlDialect dialect) => Dialect = dialect;

    public SqlDialect Dialect { get; }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = Dialect.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public DbConnection Open()
    {
        var connection = Dialect.CreateConnection();
        connection.Open();
        return connection;
    }

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation.</summary>
    public bool IsUniqueViolation(Exception exception) => exception is DbException db && Dialect.IsUniqueViolation(db);
}
