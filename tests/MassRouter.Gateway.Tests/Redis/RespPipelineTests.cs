using System.Globalization;
using MassRouter.Gateway.Redis;
using MassRouter.Gateway.Tests.Metering;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MassRouter.Gateway.Tests.Redis;

/// <summary>The request-path RESP connection against a real redis-server and an embedded Garnet, both behind a cuttable proxy.</summary>
public sealed class RespPipelineTests(RedisServers servers) : IClassFixture<RedisServers>
{
    private static readonly RespScript Echo = new("return tonumber(ARGV[1])");
    private static readonly RespScript Shape = new("return {1, ARGV[1], false, -5, redis.call('INCRBY', KEYS[1], 2)}");
    private static readonly RespScript Boom = new("return redis.error_reply('ERR boom')");


    public static TheoryData<string> Servers => RedisServers.Names;

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task RunsAScript_TheServerDidNotKnow_ThenByItsSha(string server)
    {
        await using var setup = await SetUpAsync(server);
        await setup.Direct.GetServer(setup.Direct.GetEndPoints()[0]).ScriptFlushAsync();

        var first = await SendAsync(setup.Pipeline, Shape, ["counter"], ["12"]);
        var second = await SendAsync(setup.Pipeline, Shape, ["counter"], ["13"]);

        Assert.Equal([1L, 12L, 0L, -5L, 2L], first.Array!);
        Assert.Equal([1L, 13L, 0L, -5L, 4L], second.Array!);
        Assert.True(await setup.Direct.GetServer(setup.Direct.GetEndPoints()[0]).ScriptExistsAsync(Shape.Lua));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task PairsEveryReplyWithItsCommand_UnderManyConcurrentSenders(string server)
    {
        await using var setup = await SetUpAsync(server);
        await SendAsync(setup.Pipeline, Echo, [], ["0"]);

        var results = await Task.WhenAll(Enumerable.Range(1, 2000).Select(i => Task.Run(async () =>
            (i, (await SendAsync(setup.Pipeline, Echo, [], [i])).Integer))));

        Assert.All(results, result => Assert.Equal(result.i, result.Integer));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task AScriptError_FailsThatCommandOnly(string server)
    {
        await using var setup = await SetUpAsync(server);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => SendAsync(setup.Pipeline, Boom, [], []));
        var after = await SendAsync(setup.Pipeline, Echo, [], [7]);

        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
        Assert.Equal(7, after.Integer);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task AStalledServer_TimesOutInFlightCommands_ThenTheConnectionComesBack(string server)
    {
        await using var setup = await SetUpAsync(server, TimeSpan.FromMilliseconds(300));
        await SendAsync(setup.Pipeline, Echo, [], [1]);

        setup.Proxy.Stall();
        var stalled = Assert.ThrowsAsync<RedisTimeoutException>(() => SendAsync(setup.Pipeline, Echo, [], [2]));
        var error = await stalled.WaitAsync(TimeSpan.FromSeconds(10));
        setup.Proxy.Restore();

        Assert.Contains("Timeout", error.Message, StringComparison.Ordinal);
        await RedisServers.WaitUsableAsync(setup.Pipeline);
        Assert.Equal(3, (await SendAsync(setup.Pipeline, Echo, [], [3])).Integer);
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task ACutConnection_FailsWhatWasInFlight_RefusesWhileDown_AndReconnects(string server)
    {
        await using var setup = await SetUpAsync(server);
        await SendAsync(setup.Pipeline, Echo, [], [1]);

        setup.Proxy.Stall();
        var inFlight = SendAsync(setup.Pipeline, Echo, [], [2]);
        setup.Proxy.Cut();

        await Assert.ThrowsAsync<RedisConnectionException>(() => inFlight.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(setup.Pipeline.IsUsable);
        Assert.False(setup.Pipeline.TrySend(new RespTaskOperation(), Echo, [], [3]));

        setup.Proxy.Restore();
        await RedisServers.WaitUsableAsync(setup.Pipeline);
        Assert.Equal(4, (await SendAsync(setup.Pipeline, Echo, [], [4])).Integer);
    }

    [Fact]
    public async Task NamesItsConnection_SoOperatorsCanTellItApart()
    {
        await using var setup = await SetUpAsync("redis-server");

        var clients = await setup.Direct.GetServer(setup.Direct.GetEndPoints()[0]).ClientListAsync();

        Assert.Contains(clients, client => client.Name == RespPipeline.ClientName);
    }

    [Fact]
    public async Task AuthenticatesAsAnAclUser_EvenOneNotAllowedToNameItsConnection()
    {
        using var admin = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + servers.Port("redis-server").ToString(CultureInfo.InvariantCulture));
        await admin.GetDatabase().ExecuteAsync("ACL", "SETUSER", "metering", "on", ">s3cret-pass", "~*", "+@all", "-client");
        var endpoint = "127.0.0.1:" + servers.Port("redis-server").ToString(CultureInfo.InvariantCulture);
        await using var pipeline = new RespPipeline(endpoint + ",user=metering,password=s3cret-pass", TimeSpan.FromSeconds(5), true, admin, NullLogger<RespPipeline>.Instance);
        await using var refused = new RespPipeline(endpoint + ",user=metering,password=wrong", TimeSpan.FromSeconds(5), true, admin, NullLogger<RespPipeline>.Instance);

        await RedisServers.WaitUsableAsync(pipeline);
        var reply = await SendAsync(pipeline, Echo, [], [5]);

        Assert.Equal(5, reply.Integer);
        Assert.False(refused.IsUsable);
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, ",ssl=true")]
    [InlineData(true, ",127.0.0.1:1")]
    public async Task IsNeverUsed_WhenDisabled_OrForTlsOrSeveralEndpoints(bool enabled, string extra)
    {
        using var direct = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + servers.Port("redis-server").ToString(CultureInfo.InvariantCulture));
        await using var pipeline = new RespPipeline(
            "127.0.0.1:" + servers.Port("redis-server").ToString(CultureInfo.InvariantCulture) + extra, TimeSpan.FromSeconds(1), enabled, direct, NullLogger<RespPipeline>.Instance);

        // A usable twin on the same server, started after it, connects: the one under test had as long and did not.
        await using var twin = new RespPipeline(
            "127.0.0.1:" + servers.Port("redis-server").ToString(CultureInfo.InvariantCulture), TimeSpan.FromSeconds(1), true, direct, NullLogger<RespPipeline>.Instance);
        await RedisServers.WaitUsableAsync(twin);

        Assert.False(pipeline.IsUsable);
        Assert.False(pipeline.TrySend(new RespTaskOperation(), Echo, [], [1]));
    }

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task AnsweredCommands_AreNotKeptReachable_ByTheTimeoutCheck(string server)
    {
        // A 400 ms timeout: the check runs every 100 ms while the commands below come and go (the delays are in the same
        // proportion to it). It used to peek at the pending queue, after which the queue kept every answered command (and
        // the requests it carried) reachable until its segment filled up: under load, megabytes promoted at every gen0
        // collection. The timeout was 100 ms once, which a loaded CI machine exceeded with a loopback echo.
        await using var setup = await SetUpAsync(server, TimeSpan.FromMilliseconds(400));
        await Task.Delay(240);
        var (answered, reply) = SendTracked(setup.Pipeline);
        Assert.Equal(1, (await reply).Integer);
        for (var i = 0; i < 8; i++)
        {
            await SendAsync(setup.Pipeline, Echo, [], [i]);
            await Task.Delay(60);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(answered.IsAlive, "an answered command is still reachable");
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (WeakReference Operation, Task<RespReply> Reply) SendTracked(RespPipeline pipeline)
    {
        var operation = new RespTaskOperation();
        Assert.True(pipeline.TrySend(operation, Echo, [], [1]), "the pipeline was not usable");
        return (new WeakReference(operation), operation.Task);
    }

    private static async Task<RespReply> SendAsync(RespPipeline pipeline, RespScript script, RedisKey[] keys, RedisValue[] values)
    {
        var operation = new RespTaskOperation();
        Assert.True(pipeline.TrySend(operation, script, keys, values), "the pipeline was not usable");
        return await operation.Task;
    }


    private async Task<Setup> SetUpAsync(string server, TimeSpan? timeout = null)
    {
        var port = servers.Port(server);
        var proxy = new TcpProxy(port);
        var endpoint = "127.0.0.1:" + proxy.Port.ToString(CultureInfo.InvariantCulture);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + ",allowAdmin=true");
        var pipeline = new RespPipeline(endpoint, timeout ?? TimeSpan.FromSeconds(5), true, multiplexer, NullLogger<RespPipeline>.Instance);
        await RedisServers.WaitUsableAsync(pipeline);
        return new Setup(proxy, multiplexer, pipeline);
    }

    private sealed record Setup(TcpProxy Proxy, IConnectionMultiplexer Direct, RespPipeline Pipeline) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Pipeline.DisposeAsync();
            await Proxy.DisposeAsync();
            await Direct.DisposeAsync();
        }
    }
}
