namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// Compares dashboard queries with what the services really export: every metric a query selects must exist as a
/// sample in one of the expositions, and every label it matches on, groups by or lists must be on that metric.
/// </summary>
internal static class DashboardCheck
{
    // Prometheus attaches these to every series when it scrapes a target, so no exposition carries them.
    private static readonly HashSet<string> TargetLabels = new(StringComparer.Ordinal) { "job", "instance" };

    public static List<string> Problems(IEnumerable<DashboardQuery> queries, IReadOnlyList<MetricExposition> expositions)
    {
        var problems = new List<string>();
        foreach (var query in queries)
        {
            var parsed = PromQuery.Parse(query.Expression);
            void Problem(string what) => problems.Add($"{query.Where}: {what} in `{query.Expression}`");

            foreach (var error in parsed.Errors)
            {
                Problem(error);
            }

            if (parsed.Metrics.Count == 0)
            {
                Problem("no metric selected");
            }

            foreach (var metric in parsed.Metrics)
            {
                var labels = LabelsOf(metric.Name, expositions);
                if (labels is null)
                {
                    Problem($"metric {metric.Name} is exported by none of {string.Join(", ", expositions.Select(e => e.Source))}");
                    continue;
                }

                foreach (var label in metric.Labels.Where(l => !Has(labels, l)))
                {
                    Problem($"label '{label}' is not on {metric.Name} (it has {Describe(labels)})");
                }

                if (query.ValuesOfLabel is { } listed && !Has(labels, listed))
                {
                    Problem($"the variable lists label '{listed}', which {metric.Name} does not have (it has {Describe(labels)})");
                }

                // A histogram quantile needs the buckets kept apart: the aggregation over _bucket must keep 'le'.
                if (metric.Name.EndsWith("_bucket", StringComparison.Ordinal)
                    && !parsed.Groupings.Any(g => g.Keyword == "by" && g.Labels.Contains("le") && g.Metrics.Contains(metric)))
                {
                    Problem($"{metric.Name} is aggregated without keeping 'le'");
                }
            }

            foreach (var grouping in parsed.Groupings)
            {
                foreach (var metric in grouping.Metrics)
                {
                    var labels = LabelsOf(metric.Name, expositions);
                    foreach (var label in grouping.Labels.Where(l => labels is not null && !Has(labels, l)))
                    {
                        Problem($"'{grouping.Keyword} ({label})' but {metric.Name} has no label '{label}' (it has {Describe(labels!)})");
                    }
                }
            }
        }

        return problems;
    }

    private static HashSet<string>? LabelsOf(string sampleName, IReadOnlyList<MetricExposition> expositions)
    {
        // Prometheus writes `up` itself for every target it scrapes (1 when the scrape succeeded), with the target labels.
        if (sampleName == "up")
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        HashSet<string>? union = null;
        foreach (var exposition in expositions)
        {
            if (exposition.LabelsOf(sampleName) is { } labels)
            {
                (union ??= new HashSet<string>(StringComparer.Ordinal)).UnionWith(labels);
            }
        }

        return union;
    }

    private static bool Has(HashSet<string> labels, string label) => labels.Contains(label) || TargetLabels.Contains(label);

    private static string Describe(HashSet<string> labels) => labels.Count == 0 ? "no labels" : string.Join(", ", labels.Order(StringComparer.Ordinal));
}
