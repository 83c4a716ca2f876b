using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Gateway.Tests.Metering;
using MassRouter.Simulator;

namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// Keeps grafana/dashboards/massrouter.json and docker/prometheus/alerts.yml honest: every metric and label their
/// queries use must exist in what a real gateway and a real control API export once they have served traffic.
/// </summary>
public sealed class GrafanaDashboardTests
{
    private const string Model = "test/metered";
    private const string FallbackModel = "test/fallback";

    [Fact]
    public void Dashboard_IsProvisionableWithAnyPrometheusDataSource()
    {
        var dashboard = GrafanaDashboard.Load();
        Assert.Equal("massrouter", dashboard.Root["uid"]!.GetValue<string>());
        Assert.InRange(dashboard.Root["schemaVersion"]!.GetValue<int>(), 36, 41);

        var variables = dashboard.Root["templating"]!["list"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(new[] { "DS_PROMETHEUS", "job", "instance", "model", "provider" }, variables);
        var dataSource = dashboard.Root["templating"]!["list"]![0]!;
        Assert.Equal(("datasource", "prometheus"), (dataSource["type"]!.GetValue<string>(), dataSource["query"]!.GetValue<string>()));

        var panels = dashboard.Panels().ToList();
        Assert.Equal(panels.Count, panels.Select(p => p["id"]!.GetValue<int>()).Distinct().Count());
        foreach (var panel in panels.Where(p => p["type"]!.GetValue<string>() != "row"))
        {
            var title = panel["title"]!.GetValue<string>();
            // Through the variable, never a fixed uid: the same file works when provisioned and when imported elsewhere.
            Assert.True(panel["datasource"]!["uid"]!.GetValue<string>() == "${DS_PROMETHEUS}", title);
            Assert.True(panel["fieldConfig"]!["defaults"]!["unit"]?.GetValue<string>() is { Length: > 0 }, $"{title} has no unit");
            var targets = panel["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            Assert.All(targets, t => Assert.Equal("${DS_PROMETHEUS}", t!["datasource"]!["uid"]!.GetValue<string>()));
        }
    }

    [Fact]
    public void Alerts_AreComplete_AndLoadedByPrometheus()
    {
        var rules = PrometheusAlerts.Load().Rules;
        Assert.True(rules.Count >= 8, $"only {rules.Count} alerting rules");
        Assert.Equal(rules.Count, rules.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
        foreach (var rule in rules)
        {
            Assert.True(rule.Name.StartsWith("MassRouter", StringComparison.Ordinal), rule.Name);
            Assert.True(rule.Expression is { Length: > 0 }, $"{rule.Name} has no expr");
            Assert.True(rule.For is { } pending && System.Text.RegularExpressions.Regex.IsMatch(pending, "^[0-9]+[smh]$"), $"{rule.Name}: for '{rule.For}'");
            Assert.True(rule.Labels.GetValueOrDefault("severity") is "critical" or "warning", $"{rule.Name}: severity '{rule.Labels.GetValueOrDefault("severity")}'");
            Assert.True(rule.Annotations.GetValueOrDefault("summary") is { Length: > 0 }, $"{rule.Name} has no summary");
            Assert.True(rule.Annotations.GetValueOrDefault("description") is { Length: > 20 }, $"{rule.Name} has no description");

            // A template may only name labels the result keeps: with a `by` aggregation, the labels it keeps.
            var kept = PromQuery.Parse(rule.Expression!).Groupings.Where(g => g.Keyword == "by").SelectMany(g => g.Labels).ToHashSet(StringComparer.Ordinal);
            foreach (System.Text.RegularExpressions.Match label in System.Text.RegularExpressions.Regex.Matches(
                rule.Annotations["summary"] + rule.Annotations["description"], @"\$labels\.(?<name>[a-z_]+)"))
            {
                Assert.True(kept.Count == 0 || kept.Contains(label.Groups["name"].Value), $"{rule.Name} names $labels.{label.Groups["name"].Value}, which its aggregation drops");
            }
        }

        // prometheus.yml loads the file, and the compose file mounts it beside it.
        var prometheus = PrometheusAlerts.Yaml(Path.Combine(PrometheusAlerts.Directory, "prometheus.yml"));
        var ruleFiles = (YamlDotNet.RepresentationModel.YamlSequenceNode)prometheus["rule_files"];
        Assert.Contains("/etc/prometheus/alerts.yml", ruleFiles.Select(n => ((YamlDotNet.RepresentationModel.YamlScalarNode)n).Value));
        var compose = File.ReadAllText(Path.Combine(PrometheusAlerts.Directory, "..", "compose.yaml"));
        Assert.Contains("./prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro", compose, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_ReportsUnknownMetricsAndLabels()
    {
        var exposition = new MetricExposition("test", """
            # TYPE massrouter_requests_total counter
            massrouter_requests_total{model="a",provider="b",status_class="2xx"} 1
            massrouter_request_duration_seconds_bucket{model="a",provider="b",status_class="2xx",le="0.5"} 1
            massrouter_spool_replayed_total 0
            """);
        string[] good =
        [
            """sum by (model, status_class) (rate(massrouter_requests_total{job=~"$job", provider=~"$provider"}[$__rate_interval]))""",
            """histogram_quantile(0.99, sum by (le, model) (rate(massrouter_request_duration_seconds_bucket{instance=~"$instance"}[5m])))""",
            """sum(rate(massrouter_requests_total[5m])) by (provider) / sum(rate(massrouter_spool_replayed_total[5m])) * 1e9""",
        ];
        Assert.Empty(DashboardCheck.Problems(good.Select(q => new DashboardQuery("good", q, null)), [exposition]));

        (string Query, string Problem)[] bad =
        [
            ("rate(massrouter_nope_total[5m])", "metric massrouter_nope_total is exported by none"),
            ("""histogram_quantile(0.9, sum by (le) (rate(massrouter_request_duration_seconds[5m])))""", "metric massrouter_request_duration_seconds is exported by none"),
            ("""sum by (code) (rate(massrouter_requests_total[5m]))""", "'by (code)' but massrouter_requests_total has no label 'code'"),
            ("""sum(rate(massrouter_requests_total[5m])) by (deployment)""", "'by (deployment)' but massrouter_requests_total"),
            ("""massrouter_requests_total{outcome="x"}""", "label 'outcome' is not on massrouter_requests_total"),
            ("""histogram_quantile(0.9, sum by (model) (rate(massrouter_request_duration_seconds_bucket[5m])))""", "aggregated without keeping 'le'"),
            ("""sum by (model) (massrouter_spool_replayed_total)""", "'by (model)' but massrouter_spool_replayed_total has no label"),
            ("""{__name__="massrouter_requests_total"}""", "a selector without a metric name"),
        ];
        foreach (var (query, problem) in bad)
        {
            var problems = DashboardCheck.Problems([new DashboardQuery("bad", query, null)], [exposition]);
            Assert.Contains(problems, p => p.Contains(problem, StringComparison.Ordinal));
        }

        var variable = DashboardCheck.Problems([new DashboardQuery("variable", "massrouter_requests_total", "deployment")], [exposition]);
        Assert.Contains(variable, p => p.Contains("lists label 'deployment'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dashboard_UsesOnlyMetricsAndLabelsTheGatewayAndControlApiExport()
    {
        var directory = Path.Combine(Path.GetTempPath(), "massrouter-dashboard-" + Guid.NewGuid().ToString("N"));
        var simulator = SimulatorHost.Build(new SimulatorOptions(), "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        WebApplication? gateway = null;
        try
        {
            await simulator.StartAsync();
            gateway = await GatewayFixture.StartGatewayAsync(Configuration(new Uri(SimulatorHost.GetAddress(simulator), "v1"), directory));
            var address = new Uri(gateway.Urls.First());
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };

            var key = await CreateFundedKeyAsync(http);
            await DriveTrafficAsync(http, key);

            // Settlement and the ledger flush run after the responses: wait for their series, not for a while.
            await KeyTests.AssertEventuallyAsync(
                async () => new MetricExposition("gateway", await http.GetStringAsync("/metrics")).LabelsOf("massrouter_cost_nanodollars_total") is not null, 15_000);
            await KeyTests.AssertEventuallyAsync(
                async () => new MetricExposition("control", await http.GetStringAsync("/control/metrics")).LabelsOf("massrouter_ledger_events_total") is not null, 15_000);

            MetricExposition[] expositions =
            [
                new("the gateway's /metrics", await http.GetStringAsync("/metrics")),
                new("the control API's /metrics", await http.GetStringAsync("/control/metrics")),
            ];
            var queries = GrafanaDashboard.Load().Queries().ToList();
            Assert.True(queries.Count > 30, $"only {queries.Count} queries found in the dashboard");

            var problems = DashboardCheck.Problems(queries, expositions);
            Assert.True(problems.Count == 0, "The dashboard does not match the exported metrics:\n" + string.Join("\n", problems));

            // The alerting rules of docker/prometheus/alerts.yml, against the same expositions.
            var alertProblems = DashboardCheck.Problems(PrometheusAlerts.Load().Queries(), expositions);
            Assert.True(alertProblems.Count == 0, "The alerting rules do not match the exported metrics:\n" + string.Join("\n", alertProblems));

            // Every massrouter_ series either process exports has a panel: a new metric is not silently left off.
            var used = queries.SelectMany(q => PromQuery.Parse(q.Expression).Metrics).Select(m => Family(m.Name)).ToHashSet(StringComparer.Ordinal);
            var unused = expositions.SelectMany(e => e.SampleNames).Where(n => n.StartsWith("massrouter_", StringComparison.Ordinal))
                .Select(Family).Where(f => !used.Contains(f)).Distinct().ToList();
            Assert.True(unused.Count == 0, "Exported but on no panel: " + string.Join(", ", unused));
        }
        finally
        {
            await GatewayFixture.StopAsync(gateway);
            await GatewayFixture.StopAsync(simulator);
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    // A gateway with metering on an embedded Garnet and the control API in its process (its metrics at /control/metrics,
    // the same registry a standalone control API serves at /metrics): one priced model on the simulator, and one whose
    // first deployment refuses connections, so a fallback is counted as a retry.
    private static Dictionary<string, string?> Configuration(Uri simulatorV1, string directory) => new()
    {
        ["MassRouter:ApiKeys:0:Key"] = "sk-dashboard-unmetered",
        ["MassRouter:Providers:sim:BaseUrl"] = simulatorV1.ToString(),
        ["MassRouter:Providers:sim:WarmConnections"] = "1",
        ["MassRouter:StreamKeepAlive"] = "00:00:00.1",
        ["MassRouter:Providers:dead:BaseUrl"] = "http://127.0.0.1:9/v1",
        ["MassRouter:Models:0:Id"] = Model,
        ["MassRouter:Models:0:Deployments:0:Provider"] = "sim",
        ["MassRouter:Models:1:Id"] = FallbackModel,
        ["MassRouter:Models:1:Deployments:0:Provider"] = "dead",
        ["MassRouter:Models:1:Deployments:1:Provider"] = "sim",
        ["MassRouter:Metering:Prices:test/metered:InputPerMillion"] = "2.50",
        ["MassRouter:Metering:Prices:test/metered:OutputPerMillion"] = "10.00",
        ["MassRouter:Metering:SpoolPath"] = Path.Combine(directory, "usage-spool.jsonl"),
        ["MassRouter:Embedded:ControlApi"] = "true",
        ["MassRouter:Embedded:DataPath"] = Path.Combine(directory, "data"),
        // Hashing at the production cost (600,000 iterations) would only slow the test down.
        ["ControlApi:Auth:PasswordIterations"] = "1000",
        ["ControlApi:Ledger:PollInterval"] = "00:00:00.100",
    };

    // The README's journey: register, log in, top up, create a key.
    private static async Task<string> CreateFundedKeyAsync(HttpClient http)
    {
        var credentials = new { email = "dashboard@test.local", password = "correct-horse-battery", displayName = "Dashboard" };
        using (var registered = await http.PostAsJsonAsync("/api/auth/register", credentials))
        {
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using var login = await http.PostAsJsonAsync("/api/auth/login", new { credentials.email, credentials.password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var token = JsonNode.Parse(await login.Content.ReadAsStringAsync())!["accessToken"]!.GetValue<string>();
        using var topUp = new HttpRequestMessage(HttpMethod.Post, "/api/billing/topups") { Content = JsonContent.Create(new { amountUsd = 5 }) };
        topUp.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using (var paid = await http.SendAsync(topUp))
        {
            Assert.Equal(HttpStatusCode.Created, paid.StatusCode);
        }

        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "dashboard" }) };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return JsonNode.Parse(await created.Content.ReadAsStringAsync())!["secret"]!.GetValue<string>();
    }

    // Two metered streams at once (time to first token, inter-token gaps, active streams, tokens, cost; the second beyond
    // the provider's one warm connection: a burst-pool attempt), a quiet stream (keep-alives), a non-streaming request that falls back past a dead
    // deployment (retries, both circuits), a request answered from the response cache, and a wrong key (a rejection).
    private static async Task DriveTrafficAsync(HttpClient http, string key)
    {
        var streams = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
            ChatAsync(http, key, $$"""{"model":"{{Model}}","stream":true,"messages":[{"role":"user","content":"hi"}]}""", ("x-sim-itl-ms", "50"))));
        Assert.All(streams, stream => Assert.Contains("data: [DONE]", stream, StringComparison.Ordinal));

        // A stream whose provider is quiet for a second (two chunks of four tokens): keep-alives, 100 ms apart here.
        var quiet = await ChatAsync(
            http, key, $$"""{"model":"{{Model}}","stream":true,"messages":[{"role":"user","content":"hi"}]}""", ("x-sim-itl-ms", "1000"), ("x-sim-chunk-size", "4"));
        Assert.Contains(": keep-alive", quiet, StringComparison.Ordinal);
        var single = await ChatAsync(http, key, $$"""{"model":"{{FallbackModel}}","messages":[{"role":"user","content":"hi"}]}""");
        Assert.Contains("\"choices\"", single, StringComparison.Ordinal);

        // The same request twice through the response cache: a miss (stored), then a hit.
        var cacheable = $$"""{"model":"{{Model}}","messages":[{"role":"user","content":"cache me"}]}""";
        Assert.Equal(await ChatAsync(http, key, cacheable, ("x-massrouter-cache-ttl", "60")), await ChatAsync(http, key, cacheable, ("x-massrouter-cache-ttl", "60")));

        using var wrongKey = GatewayFixture.ChatRequest(http.BaseAddress!, $$"""{"model":"{{Model}}","messages":[]}""", "sk-wrong");
        using var rejected = await http.SendAsync(wrongKey);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);
    }

    private static async Task<string> ChatAsync(HttpClient http, string key, string body, params (string Name, string Value)[] headers)
    {
        using var request = GatewayFixture.ChatRequest(http.BaseAddress!, body, key, [("x-sim-tokens", "8"), .. headers]);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, string.Create(CultureInfo.InvariantCulture, $"{(int)response.StatusCode}: {text}"));
        return text;
    }

    // A histogram's samples belong to one family: massrouter_x_seconds_bucket, _sum and _count are massrouter_x_seconds.
    private static string Family(string sample)
    {
        foreach (var suffix in (ReadOnlySpan<string>)["_bucket", "_sum", "_count"])
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal))
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }
}
