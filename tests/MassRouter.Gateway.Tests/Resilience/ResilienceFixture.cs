using MassRouter.Gateway.Tests.Infrastructure;
using MassRouter.Simulator;

namespace MassRouter.Gateway.Tests.Resilience;

/// <summary>
/// A gateway with retries, fallbacks and fast circuit breakers on. Faults come from the simulator: the client's
/// <c>x-sim-fault</c> header reaches the first deployment, while the <c>healthy</c> provider overrides it with none.
/// A second simulator (<c>recovering</c>) can be stopped and started again on the same port.
/// </summary>
public sealed class ResilienceFixture : GatewayFixture
{
    public const string BreakDuration = "00:00:03";

    private WebApplication? _recovering;

    public int RecoveringPort { get; private set; }

    public override async Task InitializeAsync()
    {
        await StartRecoveringAsync(0);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await StopRecoveringAsync();
        await base.DisposeAsync();
    }

    /// <summary>Starts the recovering simulator (on its old port after a stop).</summary>
    public async Task StartRecoveringAsync(int port)
    {
        _recovering = SimulatorHost.Build(
            new SimulatorOptions { FixturesPath = FixturesPath },
            "--urls",
            $"http://127.0.0.1:{port}",
            "--Logging:LogLevel:Default=Warning");
        await _recovering.StartAsync();
        RecoveringPort = SimulatorHost.GetAddress(_recovering).Port;
    }

    public async Task StopRecoveringAsync()
    {
        if (_recovering is not null)
        {
            await _recovering.StopAsync();
            await _recovering.DisposeAsync();
            _recovering = null;
        }
    }

    protected override void AddConfiguration(IDictionary<string, string?> config)
    {
        var simV1 = new Uri(SimulatorAddress, "v1").ToString();
        config["MassRouter:Resilience:MaxAttempts"] = "3";
        config["MassRouter:Resilience:BaseBackoff"] = "00:00:00.010";
        config["MassRouter:Resilience:CircuitBreaker:MinimumThroughput"] = "4";
        config["MassRouter:Resilience:CircuitBreaker:FailureRatio"] = "0.5";
        config["MassRouter:Resilience:CircuitBreaker:SamplingDuration"] = "00:00:30";
        config["MassRouter:Resilience:CircuitBreaker:BreakDuration"] = BreakDuration;

        config["MassRouter:Providers:healthy:BaseUrl"] = simV1;
        config["MassRouter:Providers:healthy:Headers:x-sim-fault"] = "";
        config["MassRouter:Providers:healthy:Headers:x-sim-ttft-ms"] = "0";
        config["MassRouter:Providers:healthy:Headers:x-sim-itl-ms"] = "0";
        config["MassRouter:Providers:overloaded:BaseUrl"] = simV1;
        config["MassRouter:Providers:overloaded:Headers:x-sim-fault"] = "status:529";
        config["MassRouter:Providers:recovering:BaseUrl"] = $"http://127.0.0.1:{RecoveringPort}/v1";
        config["MassRouter:Providers:recovering:ConnectTimeout"] = "00:00:01";
        config["MassRouter:Providers:idle:BaseUrl"] = simV1;
        config["MassRouter:Providers:narrow:BaseUrl"] = simV1;
        config["MassRouter:Providers:narrow:WarmConnections"] = "1";
        config["MassRouter:Providers:idle:ActivityTimeout"] = "00:00:00.300";

        // Other wire formats, for /v1/messages reaching every provider kind (the client's faults reach them all but healthy-anthropic).
        config["MassRouter:Providers:anthropic-kind:Kind"] = "anthropic";
        config["MassRouter:Providers:anthropic-kind:BaseUrl"] = simV1;
        config["MassRouter:Providers:healthy-anthropic:Kind"] = "anthropic";
        config["MassRouter:Providers:healthy-anthropic:BaseUrl"] = simV1;
        config["MassRouter:Providers:healthy-anthropic:Headers:x-sim-fault"] = "";
        config["MassRouter:Providers:gemini-kind:Kind"] = "gemini";
        config["MassRouter:Providers:gemini-kind:BaseUrl"] = new Uri(SimulatorAddress, "v1beta").ToString();
        config["MassRouter:Providers:cohere-kind:Kind"] = "cohere";
        config["MassRouter:Providers:cohere-kind:BaseUrl"] = new Uri(SimulatorAddress, "v2").ToString();
        config["MassRouter:Providers:healthy-gemini:Kind"] = "gemini";
        config["MassRouter:Providers:healthy-gemini:BaseUrl"] = new Uri(SimulatorAddress, "v1beta").ToString();
        config["MassRouter:Providers:healthy-gemini:Headers:x-sim-fault"] = "";

        var models = new (string Id, string[] Providers)[]
        {
            ("r/openai-then-anthropic", ["sim", "healthy-anthropic"]),

            // The OpenAI deployment serves the public id itself: its chat body needs no rewrite.
            ("r/openai-as-is-then-anthropic", ["sim", "healthy-anthropic"]),
            ("r/anthropic-then-openai", ["anthropic-kind", "healthy"]),
            ("r/embed-fallback", ["sim", "healthy"]),
            ("r/gemini", ["gemini-kind"]),
            ("r/cohere", ["cohere-kind"]),
            ("r/gemini-healthy", ["healthy-gemini"]),

            // Primaries of request-level (models) fallbacks to other provider kinds, failing through the client's fault.
            ("r/openai-failing", ["sim"]),
            ("r/openai-failing-messages", ["sim"]),

            // Failing on purpose, each its own deployment so no breaker opens on the ones above.
            ("r/openai-reset", ["sim"]),
            ("r/anthropic-reset", ["anthropic-kind"]),
            ("r/gemini-reset", ["gemini-kind"]),
            ("r/cohere-reset", ["cohere-kind"]),
            ("r/anthropic-exhausted", ["anthropic-kind"]),
            ("r/count-breaker", ["anthropic-kind"]),
            ("r/gemini-exhausted", ["gemini-kind"]),
            ("r/unavailable", ["overloaded"]),
            ("r/unavailable-chat", ["overloaded"]),
            ("r/rate-limited", ["sim"]),
            ("r/stall-only", ["sim"]),
            ("r/fallback", ["sim", "healthy"]),
            ("r/passthrough", ["sim", "healthy"]),
            ("r/reset", ["sim", "healthy"]),
            ("r/stream-fallback", ["sim", "healthy"]),
            ("r/retry-408", ["sim", "healthy"]),
            ("r/retry-429", ["sim", "healthy"]),
            ("r/retry-500", ["sim", "healthy"]),
            ("r/retry-502", ["sim", "healthy"]),
            ("r/retry-503", ["sim", "healthy"]),
            ("r/retry-504", ["sim", "healthy"]),
            ("r/retry-529", ["sim", "healthy"]),
            ("r/cors-retry", ["sim", "healthy"]),
            ("r/dead-first", ["dead", "healthy"]),
            ("r/breaker", ["overloaded", "healthy"]),
            ("r/recovering", ["recovering", "healthy"]),
            ("r/stall", ["sim", "healthy"]),
            ("r/idle", ["idle"]),
            ("r/narrow", ["narrow"]),
            ("r/good", ["healthy"]),
            ("r/bad", ["dead"]),
            ("r/balanced", ["sim", "healthy"]),
            ("r/priced", ["sim", "healthy"]),
        };
        for (var i = 0; i < models.Length; i++)
        {
            var prefix = $"MassRouter:Models:{10 + i}";
            config[$"{prefix}:Id"] = models[i].Id;
            for (var d = 0; d < models[i].Providers.Length; d++)
            {
                config[$"{prefix}:Deployments:{d}:Provider"] = models[i].Providers[d];
                if (models[i].Id != "r/openai-as-is-then-anthropic" || d > 0)
                {
                    config[$"{prefix}:Deployments:{d}:Model"] = models[i].Id.Replace('/', '-') + "-upstream";
                }
                if (models[i].Id == "r/balanced")
                {
                    config[$"{prefix}:Deployments:{d}:Priority"] = "0";
                }
            }

            if (models[i].Id == "r/priced")
            {
                config[$"{prefix}:Deployments:0:Price:InputPerMillion"] = "10";
                config[$"{prefix}:Deployments:0:Price:OutputPerMillion"] = "30";
                config[$"{prefix}:Deployments:1:Price:InputPerMillion"] = "0.5";
                config[$"{prefix}:Deployments:1:Price:OutputPerMillion"] = "1.5";
            }

            if (models[i].Id is "r/stall" or "r/stall-only")
            {
                config[$"{prefix}:FirstTokenTimeout"] = "00:00:00.300";
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ResilienceCollection : ICollectionFixture<ResilienceFixture>
{
    public const string Name = "resilience";
}
