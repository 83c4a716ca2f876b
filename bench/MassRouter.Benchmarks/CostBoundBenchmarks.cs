using BenchmarkDotNet.Attributes;
using MassRouter.Core.Money;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Metering;
using MassRouter.Gateway.Providers;
using MassRouter.Gateway.Resilience;
using MassRouter.Gateway.Routing;
using Microsoft.Extensions.Options;

namespace MassRouter.Benchmarks;

/// <summary>
/// What a metered request that sets an output limit pays at admission for the affordability check: the most it could
/// cost over the deployments it may reach (here a model with two deployments, the second at its own price). A request
/// without a limit pays the <see cref="NoOutputLimit"/> branch.
/// </summary>
[MemoryDiagnoser]
public class CostBoundBenchmarks : IDisposable
{
    private ProviderEndpoint? _provider;
    private ModelRoute[] _routes = [];

    [GlobalSetup]
    public void Setup()
    {
        _provider = new ProviderEndpoint("sim", new ProviderOptions { BaseUrl = "http://127.0.0.1:9/v1" });
        var prices = new PriceTable(Options.Create(new MeteringOptions
        {
            Prices = { ["sim/openai"] = new PriceOptions { InputPerMillion = 2.5m, OutputPerMillion = 10m } },
        }));
        Deployment Make(string upstream, ModelPrice? own) =>
            new("sim/openai", _provider, upstream, 1, 0, new DeploymentHealth("sim/" + upstream), null, prices, own);
        _routes = [new ModelRoute("sim/openai", [Make("sim-gpt", null), Make("sim-gpt-b", new ModelPrice(3m, 15m))], leastLatency: false, totalTimeout: null)];
    }

    [Benchmark(Baseline = true)]
    public long NoOutputLimit() => new CostBound(null, _routes).Most(500, out _);

    [Benchmark]
    public long MaxTokens1024() => new CostBound(1024, _routes).Most(500, out _);

    [GlobalCleanup]
    public void Dispose()
    {
        _provider?.Dispose();
        GC.SuppressFinalize(this);
    }
}
