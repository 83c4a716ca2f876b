namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>Tests sharing one ControlApi on SQLite.</summary>
[CollectionDefinition(Name)]
public sealed class SqliteCollection : ICollectionFixture<SqliteControlApiFixture>
{
    public const string Name = "sqlite";
}
