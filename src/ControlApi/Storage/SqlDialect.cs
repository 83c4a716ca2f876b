using System.Data.Common;
using DbUp.Builder;

namespace MassRouter.ControlApi.Storage;

/// <summary>
/// The few things PostgreSQL and SQLite do differently; every query is otherwise the same portable SQL
/// (<c>RETURNING</c>, <c>ON CONFLICT</c>, <c>LIMIT/OFFSET</c> and integer arithmetic work on both).
/// </summary>
internal abstract class SqlDialect
{
    public abstract string Name { get; }

    /// <summary>Column definition of an auto-increment primary key, substituted for <c>$pk$</c> in migrations.</summary>
    public abstract string IdentityPrimaryKey { get; }

    public abstract DbConnection CreateConnection();

    /// <summary>The DbUp engine builder for this database, before scripts and variables are added.</summary>
    public abstract UpgradeEngineBuilder Migrations();

    /// <summary>True when <paramref name="exception"/> is a unique-constraint violation.</summary>
    public abstract bool IsUniqueViolation(DbException exception);
}
