using MassRouter.LoadTests.Cli;

namespace MassRouter.LoadTests;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // The generator is usually pinned to one core: without a floor the pool would start with one thread and grow
        // slowly whenever anything blocks, which would show up as latency the target did not cause.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            return await Commands.RunAsync(args, Console.Out, cancel.Token);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            await Console.Error.WriteLineAsync(Commands.Usage);
            return 2;
        }
    }
}
