using YamlDotNet.RepresentationModel;

namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>docker/prometheus/alerts.yml as the tests read it: its alerting rules, parsed with a real YAML parser.</summary>
internal sealed class PrometheusAlerts
{
    private PrometheusAlerts(List<AlertRule> rules) => Rules = rules;

    public IReadOnlyList<AlertRule> Rules { get; }

    public static string Directory => Path.GetFullPath(Path.Combine(MassRouter.Tests.FixturesRoot.Path, "..", "..", "..", "docker", "prometheus"));

    public static PrometheusAlerts Load() => new(ReadRules(Yaml(Path.Combine(Directory, "alerts.yml"))));

    /// <summary>A YAML file's root mapping.</summary>
    public static YamlMappingNode Yaml(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }

        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    /// <summary>Each rule's expression, named for failure messages.</summary>
    public IEnumerable<DashboardQuery> Queries() => Rules.Select(r => new DashboardQuery($"alert '{r.Name}'", r.Expression ?? "", null));

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? (value as YamlScalarNode)?.Value : null;

    private static List<AlertRule> ReadRules(YamlMappingNode root)
    {
        var rules = new List<AlertRule>();
        foreach (var group in ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>())
        {
            foreach (var rule in ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            {
                rules.Add(new AlertRule(
                    Scalar(rule, "alert") ?? "(no name)",
                    Scalar(rule, "expr"),
                    Scalar(rule, "for"),
                    Strings(rule, "labels"),
                    Strings(rule, "annotations")));
            }
        }

        return rules;
    }

    private static Dictionary<string, string> Strings(YamlMappingNode rule, string key) =>
        rule.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlMappingNode map
            ? map.Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (c.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal)
            : [];
}

/// <summary>One alerting rule: its name, PromQL expression, pending duration, labels and annotations.</summary>
internal sealed record AlertRule(
    string Name, string? Expression, string? For, Dictionary<string, string> Labels, Dictionary<string, string> Annotations);
