using System.Globalization;
using Npgsql;

namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster: <c>initdb</c> into a temp directory and <c>pg_ctl start</c> on a free loopback
/// port, run as the <c>postgres</c> OS user when the tests run as root (PostgreSQL refuses root). Stopped and deleted
/// on dispose.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string _binaries;

    private PostgresServer(string directory, string binaries, int port)
    {
        _directory = directory;
        _binaries = binaries;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Maximum Pool Size=20";

    public static async Task<PostgresServer> StartAsync()
    {
        var binaries = FindBinaries();
        var directory = Path.Combine(Path.GetTempPath(), "mr-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        if (ProcessRunner.IsRoot)
        {
            await ProcessRunner.RunAsync("chown", "postgres:postgres", directory);
        }

        var data = Path.Combine(directory, "data");
        var port = FreePort.Next();
        await ProcessRunner.RunAsPostgresAsync(Path.Combine(binaries, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C");
        await ProcessRunner.RunAsPostgresAsync(Path.Combine(binaries, "pg_ctl"), "-D", data, "-w", "-l", Path.Combine(directory, "log.txt"), "-o",
            $"-p {port.ToString(CultureInfo.InvariantCulture)} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start");
        return new PostgresServer(directory, binaries, port);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ProcessRunner.TryRunAsync(ProcessRunner.IsRoot ? "runuser" : Path.Combine(_binaries, "pg_ctl"),
            ProcessRunner.IsRoot ? ["-u", "postgres", "--", Path.Combine(_binaries, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "stop"]
                : ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "stop"]);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS temp cleaner; the cluster is stopped either way.
        }
    }

    private static string FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        if (Directory.Exists(Root))
        {
            var newest = Directory.GetDirectories(Root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")));
        return onPath ?? throw new InvalidOperationException("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin or on PATH); install the 'postgresql' package.");
    }
}
