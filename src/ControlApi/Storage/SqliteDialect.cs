using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Microsoft.Data.Sqlite;

namespace MassRouter.ControlApi.Storage;

/// <summary>SQLite through Microsoft.Data.Sqlite (the embedded default).</summary>
internal sealed class SqliteDialect : SqlDialect
{
    private const int SqliteConstraint = 19;
    private readonly string _connectionString;

    public SqliteDialect(string connectionString)
    {
        // Foreign keys are off by default in SQLite; a generous timeout lets concurrent writers wait on the file lock.
        var builder = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true, DefaultTimeout = 30 };
        _connectionString = builder.ToString();
    }

    public override string Name => "sqlite";

    public override string IdentityPrimaryKey => "INTEGER PRIMARY KEY AUTOINCREMENT";

    public override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    public override UpgradeEngineBuilder Migrations() => DeployChanges.To.SqliteDatabase(_connectionString);

    public override bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteConstraint } sqlite && sqlite.Message.Contains("UNIQUE", StringComparison.Ordinal);

    /// <summary>WAL lets readers run while the ledger flusher writes.</summary>
    public void EnableWriteAheadLog()
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }
}
