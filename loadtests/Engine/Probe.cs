namespace MassRouter.LoadTests.Engine;

/// <summary>Sends a template's request once, outside any measurement, to see whether the target serves it.</summary>
internal static class Probe
{
    public static async Task<int> StatusAsync(HttpClient client, RequestTemplate template, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(template);
        using var request = new HttpRequestMessage(HttpMethod.Post, template.Uri) { Content = new ByteArrayContent(template.Body) };
        request.Content.Headers.ContentType = new("application/json");
        foreach (var header in template.Headers)
        {
            request.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        using var response = await client.SendAsync(request, timeout.Token);
        await response.Content.ReadAsByteArrayAsync(timeout.Token);
        return (int)response.StatusCode;
    }
}
