namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>The ControlApi on a SQLite file in a temp directory.</summary>
public sealed class SqliteControlApiFixture : ControlApiFixture
{
    public override string Backend => "sqlite";

    protected override Task<(string, string)> StartDatabaseAsync() => Task.FromResult(("sqlite", SqliteConnectionString()));
}
