namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>Tests sharing one ControlApi on PostgreSQL.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresControlApiFixture>
{
    public const string Name = "postgres";
}
