using System.Globalization;

namespace MassRouter.LoadTests.Targets;

/// <summary>
/// One system under test, parsed from <c>name=massrouter;url=http://127.0.0.1:8080;pid=123;model=bench;header=Authorization: Bearer k</c>.
/// Keys: name, url, pid (process to read RSS and CPU from), model, header (repeatable), metrics (Prometheus URL for GC
/// figures), version, translation (true: the target serves <c>/v1/messages</c>), unavailable (reason the target never started).
/// </summary>
internal sealed class TargetSpec
{
    public required string Name { get; init; }

    public required Uri BaseUrl { get; init; }

    public int? Pid { get; init; }

    public string Model { get; init; } = "bench";

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public Uri? MetricsUrl { get; init; }

    public string? Version { get; init; }

    public string? Unavailable { get; init; }

    public static TargetSpec Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? name = null, url = null, model = null, metrics = null, version = null, unavailable = null;
        int? pid = null;
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var part in spec.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"Target part '{part}' is not key=value.");
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            switch (key.ToUpperInvariant())
            {
                case "NAME": name = value; break;
                case "URL": url = value; break;
                case "MODEL": model = value; break;
                case "METRICS": metrics = value; break;
                case "VERSION": version = value; break;
                case "UNAVAILABLE": unavailable = value; break;
                case "PID": pid = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "HEADER":
                    var colon = value.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0)
                    {
                        throw new FormatException($"Header '{value}' is not 'Name: value'.");
                    }

                    headers.Add(new(value[..colon].Trim(), value[(colon + 1)..].Trim()));
                    break;
                default:
                    throw new FormatException($"Unknown target key '{key}'.");
            }
        }

        return new TargetSpec
        {
            Name = name ?? throw new FormatException("A target needs name=."),
            BaseUrl = new Uri(url ?? throw new FormatException("A target needs url=."), UriKind.Absolute),
            Pid = pid,
            Model = model ?? "bench",
            Headers = headers,
            MetricsUrl = metrics is null ? null : new Uri(metrics, UriKind.Absolute),
            Version = version,
            Unavailable = unavailable,
        };
    }

    /// <summary>The same target with other headers added (for example a different API key).</summary>
    public TargetSpec WithHeader(string name, string value) => new()
    {
        Name = Name,
        BaseUrl = BaseUrl,
        Pid = Pid,
        Model = Model,
        Headers = [.. Headers.Where(h => !string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)), new(name, value)],
        MetricsUrl = MetricsUrl,
        Version = Version,
        Unavailable = Unavailable,
    };
}
