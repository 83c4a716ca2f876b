using System.Net;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>What a gateway process maps into memory, read from <c>/proc</c>: a metered gateway with plain-HTTP providers
/// has no use for OpenSSL (about 5 MiB resident once loaded), so nothing on its way may load it; nor may the opt-in
/// features its requests do not use load theirs (idle RSS is a goal of its own).</summary>
[Collection(MeteringCollection.Name)]
public sealed class ProcessFootprintTests(MeteringFixture fixture) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "massrouter-footprint-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task MeteredGateway_AuthenticatesAdmitsAndSettles_WithoutMappingOpenSsl()
    {
        Assert.True(OperatingSystem.IsLinux(), "reads /proc/PID/maps");
        var b = fixture["redis"];
        var key = await b.CreateKeyAsync(1_000_000_000);
        var settings = MeteringBackend.GatewayConfiguration(new Uri(fixture.SimulatorAddress, "v1"), b.ServerPort, Path.Combine(_data, "spool.jsonl"), []);
        await using var gateway = await GatewayProcess.StartAsync(settings, _data);

        // Through every hash and id the request path makes: the key's SHA-256 (a Redis key lookup, then the cached
        // one), the scripts' SHA-1 names, request and event ids, the instance id; streamed and not.
        var stream = """{"model":"test/metered","stream":true,"messages":[{"role":"user","content":"Tell me a story"}]}""";
        foreach (var body in new[] { MeteringBackend.DefaultBody, stream, MeteringBackend.DefaultBody })
        {
            using var response = await b.Http.SendAsync(MeteringBackend.Chat(gateway.Address, key.Secret, body));
            Assert.True(response.StatusCode == HttpStatusCode.OK, gateway.Output);
            await response.Content.ReadAsStringAsync();
        }

        await KeyTests.AssertEventuallyAsync(async () => (await b.OutboxAsync(key.Account)).Count >= 3, 10_000);
        var maps = await File.ReadAllLinesAsync($"/proc/{gateway.Id}/maps");
        Assert.Contains(maps, line => line.Contains("libcoreclr", StringComparison.Ordinal));
        var openSsl = maps.Where(line => line.Contains("libcrypto", StringComparison.Ordinal) || line.Contains("libssl", StringComparison.Ordinal))
            .Select(line => line[(line.IndexOf('/', StringComparison.Ordinal) is var slash and >= 0 ? slash : 0)..]).Distinct().ToList();
        Assert.True(openSsl.Count == 0, "OpenSSL is mapped: " + string.Join(", ", openSsl));

        // Tracing off, no request asking for the response cache, no background response to poll for.
        var unused = maps.Select(line => Path.GetFileName(line.AsSpan(line.LastIndexOf(' ') + 1).ToString()))
            .Where(file => file.StartsWith("OpenTelemetry", StringComparison.Ordinal)
                || file is "Microsoft.Extensions.Caching.Memory.dll" or "System.Threading.Tasks.Parallel.dll")
            .Distinct().ToList();
        Assert.True(unused.Count == 0, "mapped for features not in use: " + string.Join(", ", unused));
    }

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }
}
