using DbUp.Engine.Output;

namespace MassRouter.ControlApi.Storage;

/// <summary>Applies the embedded DbUp scripts at start-up, before the host accepts requests.</summary>
internal static class DatabaseMigrator
{
    public static void Migrate(SqlDialect dialect, ILogger logger)
    {
        if (dialect is SqliteDialect sqlite)
        {
            sqlite.EnableWriteAheadLog();
        }

        var engine = dialect.Migrations()
            .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, name => name.Contains(".Storage.Migrations.", StringComparison.Ordinal))
            .WithVariable("pk", dialect.IdentityPrimaryKey)
            .WithTransactionPerScript()
            .LogTo(new MigrationLog(logger))
            .Build();
        var result = engine.PerformUpgrade();
        if (!result.Successful)
        {
            throw new InvalidOperationException($"Database migration failed on script '{result.ErrorScript?.Name}'.", result.Error);
        }
    }

    private sealed class MigrationLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args)
        {
        }

        public void LogDebug(string format, params object[] args)
        {
        }

        public void LogInformation(string format, params object[] args) => logger.LogDebug("DbUp: {Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogWarning(string format, params object[] args) => logger.LogWarning("DbUp: {Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(string format, params object[] args) => logger.LogError("DbUp: {Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));

        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "DbUp: {Message}", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args));
    }
}
