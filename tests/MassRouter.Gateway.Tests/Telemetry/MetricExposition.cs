namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// The series of one Prometheus text exposition (what <c>/metrics</c> returns): every sample name (histograms appear as
/// their <c>_bucket</c>, <c>_sum</c> and <c>_count</c> samples) with the label names seen on it.
/// </summary>
internal sealed class MetricExposition
{
    private readonly Dictionary<string, HashSet<string>> _labels = new(StringComparer.Ordinal);

    public MetricExposition(string source, string text)
    {
        Source = source;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny(['{', ' ']);
            Assert.True(nameEnd > 0, $"{source}: malformed sample line '{line}'");
            var labels = _labels.TryGetValue(line[..nameEnd], out var seen) ? seen : _labels[line[..nameEnd]] = new HashSet<string>(StringComparer.Ordinal);
            if (line[nameEnd] == '{')
            {
                ReadLabelNames(line, nameEnd + 1, labels);
            }
        }
    }

    /// <summary>Where the text came from, for messages.</summary>
    public string Source { get; }

    public IReadOnlyCollection<string> SampleNames => _labels.Keys;

    /// <summary>The label names seen on <paramref name="sampleName"/>, or null when no such sample exists.</summary>
    public IReadOnlySet<string>? LabelsOf(string sampleName) => _labels.TryGetValue(sampleName, out var labels) ? labels : null;

    // name="value",name="value"} — values are quoted with \\, \" and \n escapes.
    private static void ReadLabelNames(string line, int position, HashSet<string> labels)
    {
        while (position < line.Length && line[position] != '}')
        {
            var equals = line.IndexOf('=', position);
            labels.Add(line[position..equals].Trim());
            position = equals + 2;
            while (line[position] != '"')
            {
                position += line[position] == '\\' ? 2 : 1;
            }

            position++;
            if (line[position] == ',')
            {
                position++;
            }
        }
    }
}
