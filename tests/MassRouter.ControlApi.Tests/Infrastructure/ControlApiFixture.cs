using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MassRouter.ControlApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>
/// A ControlApi on a real loopback port, against a real redis-server and a real database (PostgreSQL or SQLite),
/// shared by the tests of one collection. The hosted ledger flusher is off: flusher tests drive their own instances.
/// </summary>
public abstract class ControlApiFixture : IAsyncLifetime, IDisposable
{
    public const string AdminEmail = "root-admin@test.local";
    public const string AdminPassword = "admin-password-for-tests";
    public const int LoginAttempts = 5;

    private WebApplication? _app;
    private readonly SocketsHttpHandler _handler = new() { UseProxy = false };
    private string? _sqliteDirectory;

    public abstract string Backend { get; }

    public RedisServer Redis { get; private set; } = null!;

    public IServiceProvider Services => _app!.Services;

    public Uri Address { get; private set; } = null!;

    public IDatabase RedisDb => Redis.Connection.GetDatabase();

    public string CredentialKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Session Admin { get; private set; } = null!;

    /// <summary>The configuration the shared host runs with (same database and signing key), for a second host beside it.</summary>
    public IReadOnlyDictionary<string, string?> HostSettings { get; private set; } = null!;

    protected abstract Task<(string Provider, string ConnectionString)> StartDatabaseAsync();

    protected virtual ValueTask StopDatabaseAsync() => ValueTask.CompletedTask;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var (provider, connectionString) = await StartDatabaseAsync();
        HostSettings = Settings(provider, connectionString, Redis.Configuration, CredentialKey);
        _app = await ControlApiHost.BuildAsync(
            ["--urls", "http://127.0.0.1:0", "--environment", "Testing", "--Logging:LogLevel:Default=Warning"],
            builder => builder.Configuration.AddInMemoryCollection(HostSettings));
        await _app.StartAsync();
        Address = new Uri(_app.Urls.First());
        Admin = await LoginAsync(AdminEmail, AdminPassword);
    }

    /// <summary>The configuration a test host runs with.</summary>
    public static Dictionary<string, string?> Settings(string provider, string connectionString, string redis, string credentialKey) => new()
    {
        ["ControlApi:Database:Provider"] = provider,
        ["ControlApi:Database:ConnectionString"] = connectionString,
        ["ControlApi:Redis"] = redis,
        ["ControlApi:Jwt:SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["ControlApi:Auth:PasswordIterations"] = "1000",
        ["ControlApi:Auth:LoginAttempts"] = LoginAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Every test logs in from 127.0.0.1: the per-address limit would otherwise throttle the suite itself.
        ["ControlApi:Auth:LoginAttemptsPerAddress"] = "100000",
        ["ControlApi:Ledger:Enabled"] = "false",
        ["ControlApi:BootstrapAdmin:Email"] = AdminEmail,
        ["ControlApi:BootstrapAdmin:Password"] = AdminPassword,
        ["MassRouter:CredentialKey"] = credentialKey,
    };

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        await Redis.DisposeAsync();
        await StopDatabaseAsync();
        if (_sqliteDirectory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_sqliteDirectory, recursive: true);
        }
    }

    public void Dispose()
    {
        _handler.Dispose();
        GC.SuppressFinalize(this);
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A client with no credentials.</summary>
    public HttpClient Anonymous() => new(_handler, disposeHandler: false) { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Registers a new user with a unique e-mail and logs in.</summary>
    public async Task<Session> NewUserAsync(string name = "user")
    {
        var email = $"{name}-{Guid.NewGuid():N}@test.local";
        const string Password = "correct-horse-battery";
        using var http = Anonymous();
        var response = await http.PostAsJsonAsync("/api/auth/register", new { email, password = Password, displayName = name });
        await Expect.StatusAsync(response, System.Net.HttpStatusCode.Created);
        return await LoginAsync(email, Password);
    }

    public async Task<Session> LoginAsync(string email, string password)
    {
        using var http = Anonymous();
        var response = await http.PostAsJsonAsync("/api/auth/login", new { email, password });
        await Expect.StatusAsync(response, System.Net.HttpStatusCode.OK);
        var tokens = (await response.Content.ReadFromJsonAsync<TokenResponse>())!;
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        var me = (await client.GetFromJsonAsync<UserView>("/api/me"))!;
        return new Session(me.Id, email, password, "u_" + me.Id, client, tokens);
    }

    protected string SqliteConnectionString()
    {
        _sqliteDirectory = Path.Combine(Path.GetTempPath(), "mr-sqlite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_sqliteDirectory);
        return "Data Source=" + Path.Combine(_sqliteDirectory, "control.db");
    }
}
