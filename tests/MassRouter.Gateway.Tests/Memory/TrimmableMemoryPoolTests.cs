using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassRouter.Gateway.Memory;

namespace MassRouter.Gateway.Tests.Memory;

public sealed class TrimmableMemoryPoolTests
{
    [Fact]
    public void ReturnedBlock_IsReused_UntilTrimmed()
    {
        using var pool = new TrimmableMemoryPool();
        var first = pool.Rent();
        Assert.Equal(1, pool.Allocated);
        Assert.Equal(TrimmableMemoryPool.BlockSize, first.Memory.Length);
        var memory = first.Memory;
        first.Dispose();
        Assert.Equal(1, pool.Count);

        using (var again = pool.Rent())
        {
            Assert.True(again.Memory.Span == memory.Span, "a returned block is handed out again");
            Assert.Equal(0, pool.Count);
        }

        Assert.Equal(1, pool.Trim());
        Assert.Equal(0, pool.Count);
        using var fresh = pool.Rent();
        Assert.False(fresh.Memory.Span == memory.Span, "a trimmed block is never handed out again");
        Assert.Equal(2, pool.Allocated);
    }

    [Fact]
    public void BlockLargerThanAPage_IsRefused_AndADisposedPoolKeepsNothing()
    {
        var pool = new TrimmableMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(TrimmableMemoryPool.BlockSize + 1));
        var block = pool.Rent(100);
        pool.Dispose();
        block.Dispose();
        Assert.Equal(0, pool.Count);
        Assert.Throws<ObjectDisposedException>(() => pool.Rent());
    }

    [Fact]
    public async Task Kestrel_TakesItsBuffersFromTheTrimmablePools()
    {
        await using var app = await GatewayHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning",
            "--MassRouter:Metering:Enabled=false", "--MassRouter:ApiKeys:0:Key=sk-configured"]);
        await app.StartAsync();
        var pools = app.Services.GetRequiredService<TrimmableMemoryPoolFactory>();

        using (var http = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(app.Urls.First()), "v1/chat/completions"))
            {
                Content = new StringContent("""{"model":"sim/openai","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-configured");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // Counted where the blocks are made, not where they are pooled: the host's own idle trim may empty the pools at
        // any moment (what a trim does is the unit tests' business above).
        Assert.True(pools.AllocatedBlocks > 0, "Kestrel rented no block from the trimmable pools");
        await app.StopAsync();
    }
}
