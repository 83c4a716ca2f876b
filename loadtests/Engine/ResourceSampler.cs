using System.Globalization;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Engine;

/// <summary>Samples the target process (and its Prometheus GC figures) at a fixed interval until stopped.</summary>
internal sealed class ResourceSampler
{
    private readonly HttpClient _client;
    private readonly int? _pid;
    private readonly Uri? _metrics;
    private readonly long _origin;

    public ResourceSampler(HttpClient client, int? pid, Uri? metrics, long origin)
    {
        _client = client;
        _pid = pid;
        _metrics = metrics;
        _origin = origin;
    }

    public List<ResourceSample> Samples { get; } = [];

    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        if (_pid is null && _metrics is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        do
        {
            Samples.Add(await SampleAsync(cancellationToken));
        }
        while (await Wait(timer, cancellationToken));
    }

    public async Task<ResourceSample> SampleAsync(CancellationToken cancellationToken)
    {
        double? gen0 = null, gen1 = null, gen2 = null, heap = null;
        if (_metrics is not null)
        {
            try
            {
                var text = await _client.GetStringAsync(_metrics, cancellationToken);
                gen0 = Metric(text, "dotnet_collection_count_total{generation=\"0\"}");
                gen1 = Metric(text, "dotnet_collection_count_total{generation=\"1\"}");
                gen2 = Metric(text, "dotnet_collection_count_total{generation=\"2\"}");
                heap = Metric(text, "dotnet_total_memory_bytes") / (1024.0 * 1024.0);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // A target without metrics still gets RSS and CPU samples.
            }
        }

        return new ResourceSample(
            Math.Round(Clock.Seconds(Clock.Now - _origin), 2), ProcessProbe.RssMiB(_pid), ProcessProbe.CpuSeconds(_pid), gen0, gen1, gen2, heap);
    }

    private static double? Metric(string text, string name)
    {
        var at = 0;
        while ((at = text.IndexOf(name, at, StringComparison.Ordinal)) >= 0)
        {
            var lineStart = at == 0 || text[at - 1] == '\n';
            var end = at + name.Length;
            if (lineStart && end < text.Length && text[end] == ' ')
            {
                var newline = text.IndexOf('\n', end);
                var value = text.AsSpan(end + 1, (newline < 0 ? text.Length : newline) - end - 1).Trim();
                return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;
            }

            at = end;
        }

        return null;
    }

    private static async Task<bool> Wait(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
