using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>grafana/dashboards/massrouter.json as the tests read it: its panels and every PromQL query in it.</summary>
internal sealed partial class GrafanaDashboard
{
    private GrafanaDashboard(JsonObject root) => Root = root;

    public JsonObject Root { get; }

    public static GrafanaDashboard Load() => Parse(File.ReadAllText(FindFile()));

    public static GrafanaDashboard Parse(string json) => new(JsonNode.Parse(json)!.AsObject());

    /// <summary>Every panel, those inside collapsed rows included.</summary>
    public IEnumerable<JsonObject> Panels() => Flatten(Root["panels"]?.AsArray() ?? new JsonArray());

    /// <summary>The queries of every panel target and of every query variable.</summary>
    public IEnumerable<DashboardQuery> Queries()
    {
        foreach (var panel in Panels())
        {
            foreach (var target in panel["targets"]?.AsArray() ?? new JsonArray())
            {
                if (target?["expr"]?.GetValue<string>() is { Length: > 0 } expr)
                {
                    yield return new DashboardQuery($"panel '{panel["title"]}' target {target["refId"]}", expr, null);
                }
            }
        }

        foreach (var variable in Root["templating"]?["list"]?.AsArray() ?? new JsonArray())
        {
            if (variable?["type"]?.GetValue<string>() != "query")
            {
                continue;
            }

            var query = variable["query"] is JsonObject editor ? editor["query"]?.GetValue<string>() : variable["query"]?.GetValue<string>();
            var where = $"variable '{variable["name"]}'";
            var labelValues = LabelValues().Match(query ?? "");
            yield return labelValues.Success
                ? new DashboardQuery(where, labelValues.Groups["selector"].Value, labelValues.Groups["label"].Value)
                : new DashboardQuery(where, query ?? "", null);
        }
    }

    private static IEnumerable<JsonObject> Flatten(JsonArray panels)
    {
        foreach (var panel in panels.OfType<JsonObject>())
        {
            yield return panel;
            foreach (var nested in Flatten(panel["panels"]?.AsArray() ?? new JsonArray()))
            {
                yield return nested;
            }
        }
    }

    // The repository root is three levels above tests/fixtures/providers, which the test projects already find.
    private static string FindFile() =>
        Path.GetFullPath(Path.Combine(MassRouter.Tests.FixturesRoot.Path, "..", "..", "..", "grafana", "dashboards", "massrouter.json"));

    // Grafana's Prometheus variable query: label_values(<selector>, <label>).
    [GeneratedRegex(@"^\s*label_values\((?<selector>.+),\s*(?<label>[a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$")]
    private static partial Regex LabelValues();
}
