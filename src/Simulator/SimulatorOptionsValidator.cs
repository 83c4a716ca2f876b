using Microsoft.Extensions.Options;

namespace MassRouter.Simulator;

internal sealed class SimulatorOptionsValidator : IValidateOptions<SimulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        var failures = new List<string>();
        if (options.TimeToFirstTokenMs < 0)
        {
            failures.Add($"Simulator:TimeToFirstTokenMs must be 0 or more (was {options.TimeToFirstTokenMs}).");
        }

        if (options.InterTokenIntervalMs < 0)
        {
            failures.Add($"Simulator:InterTokenIntervalMs must be 0 or more (was {options.InterTokenIntervalMs}).");
        }

        if (options.Tokens < 0)
        {
            failures.Add($"Simulator:Tokens must be 0 or more (was {options.Tokens}).");
        }

        if (options.ChunkSize < 1)
        {
            failures.Add($"Simulator:ChunkSize must be 1 or more (was {options.ChunkSize}).");
        }

        if (options.FixturesPath is { } path && !Directory.Exists(path))
        {
            failures.Add($"Simulator:FixturesPath '{path}' (resolved to '{Path.GetFullPath(path)}') is not an existing directory.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
