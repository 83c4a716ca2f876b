using System.Net;
using System.Net.Http.Headers;
using System.Text;
using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>The tokenizer's vocabulary costs memory (~4.1 MiB, mapped from a file by default): it is opened only when requests can be metered.</summary>
public class TokenizerLoadingTests
{
    [Fact]
    public async Task MeteringOff_ServesWithoutLoadingTheTokenizer()
    {
        await using var app = await StartAsync("--MassRouter:Metering:Enabled=false");
        using var response = await ChatAsync(app);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var counter = app.Services.GetRequiredService<TokenCounter>();
        Assert.False(counter.WarmRequested);
        Assert.False(counter.IsLoaded);
        await app.StopAsync();
    }

    [Fact]
    public async Task MeteringOn_LoadsTheTokenizerAtStart()
    {
        await using var app = await StartAsync();
        var counter = app.Services.GetRequiredService<TokenCounter>();
        Assert.True(counter.WarmRequested);
        await KeyTests.AssertEventuallyAsync(() => Task.FromResult(counter.IsLoaded), 15_000);

        // By default it is mapped from a file under the content root, not held on the heap.
        Assert.True(counter.Vocabulary.IsMapped);
        Assert.True(File.Exists(Path.Combine(app.Environment.ContentRootPath, "data", "o200k_base.vocab")));
        Assert.Equal(2, counter.Count("hello world"));
        await app.StopAsync();
    }

    private static async Task<WebApplication> StartAsync(params string[] extra)
    {
        var app = await GatewayHost.BuildAsync(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning", "--MassRouter:ApiKeys:0:Key=sk-configured", .. extra]);
        await app.StartAsync();
        _ = app.Services.GetRequiredService<RequestMeter>();
        return app;
    }

    private static async Task<HttpResponseMessage> ChatAsync(WebApplication app)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(app.Urls.First()), "v1/chat/completions"))
        {
            Content = new StringContent("""{"model":"sim/openai","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-configured");
        request.Headers.Add("x-sim-ttft-ms", "0");
        return await http.SendAsync(request);
    }
}
