namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>The ControlApi on a throwaway PostgreSQL cluster.</summary>
public sealed class PostgresControlApiFixture : ControlApiFixture
{
    private PostgresServer? _postgres;

    public override string Backend => "postgres";

    protected override async Task<(string, string)> StartDatabaseAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        return ("postgres", await _postgres.CreateDatabaseAsync("massrouter"));
    }

    protected override async ValueTask StopDatabaseAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
