using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace MassRouter.ControlApi.Tests.Infrastructure;

internal static class Expect
{
    public static async Task StatusAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        }
    }

    public static async Task<T> JsonAsync<T>(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        await StatusAsync(response, expected);
        return (await response.Content.ReadFromJsonAsync<T>())!;
    }

    /// <summary>Asserts an RFC 9457 validation problem naming exactly these fields.</summary>
    public static async Task ValidationProblemAsync(HttpResponseMessage response, params string[] fields)
    {
        await StatusAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = document.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(fields.Order(StringComparer.Ordinal).ToArray(), errors);
    }

    /// <summary>Asserts a problem-details answer with this status.</summary>
    public static async Task ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        await StatusAsync(response, expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
