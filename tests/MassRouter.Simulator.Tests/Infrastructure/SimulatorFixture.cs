using System.Net;
using System.Text;
using MassRouter.Simulator;
using Microsoft.AspNetCore.Builder;

namespace MassRouter.Simulator.Tests.Infrastructure;

/// <summary>One simulator on a loopback port with the repository's fixtures, shared by the tests of a collection.</summary>
public sealed class SimulatorFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _app = SimulatorHost.Build(new SimulatorOptions { FixturesPath = Fixtures.Root }, "--urls", "http://127.0.0.1:0");
        await _app.StartAsync();
        Address = SimulatorHost.GetAddress(_app);
        Http = new HttpClient { BaseAddress = Address };
    }

    /// <summary>POSTs a JSON body with the given x-sim-* (or other) headers.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, string body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json")),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>POSTs and returns the body of a 200 answer.</summary>
    public async Task<string> PostOkAsync(string path, string body, params (string Name, string Value)[] headers)
    {
        using var response = await PostAsync(path, body, headers);
        Assert.Equal(200, (int)response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// Sends <paramref name="request"/> and reads its body as it arrives until it ends or the connection is cut (a reset
    /// fault): the status, null when even the headers were lost, and what arrived before the cut.
    /// </summary>
    public async Task<(HttpStatusCode? Status, string Received)> ReadUntilCutAsync(HttpRequestMessage request)
    {
        HttpStatusCode? status = null;
        var received = new StringBuilder();
        try
        {
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            status = response.StatusCode;
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[4096];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            // The reset.
        }

        return (status, received.ToString());
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
