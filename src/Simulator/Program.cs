using Microsoft.Extensions.Options;

namespace MassRouter.Simulator;

/// <summary>
/// Standalone entry point: <c>dotnet run --project src/Simulator -- --urls http://127.0.0.1:9000 --fixtures tests/fixtures/providers</c>.
/// Options come from the "Simulator" section (environment <c>Simulator__Tokens=32</c>, or <c>--Simulator:Tokens 32</c>) and the
/// short switches --fixtures, --ttft-ms, --itl-ms, --tokens, --chunk-size.
/// </summary>
internal static class Program
{
    private static readonly Dictionary<string, string> _switches = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--fixtures"] = "Simulator:FixturesPath",
        ["--ttft-ms"] = "Simulator:TimeToFirstTokenMs",
        ["--itl-ms"] = "Simulator:InterTokenIntervalMs",
        ["--tokens"] = "Simulator:Tokens",
        ["--chunk-size"] = "Simulator:ChunkSize",
    };

    public static async Task<int> Main(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddCommandLine(args, _switches)
            .Build();
        var options = new SimulatorOptions();
        configuration.GetSection(SimulatorOptions.SectionName).Bind(options);

        await using var app = SimulatorHost.Build(options, args);
        try
        {
            await app.StartAsync();
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"Invalid simulator configuration: {string.Join(" ", ex.Failures)}");
            return 2;
        }

        Console.WriteLine($"MassRouter simulator listening on {SimulatorHost.GetAddress(app)} (fixtures: {options.FixturesPath ?? "replay disabled"})");
        await app.WaitForShutdownAsync();
        return 0;
    }
}
