using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Configuration;

/// <summary>
/// Runs a host from its <c>Program</c>: a configuration it cannot start with ends the process with one line naming the
/// setting and exit code 1, not an unhandled exception (exit 134) and a page of stack trace.
/// </summary>
public static class StartupErrors
{
    public static async Task<int> RunAsync(string product, Func<Task<WebApplication>> build)
    {
        ArgumentNullException.ThrowIfNull(build);
        try
        {
            var app = await build();
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (Describe(ex) is { } problem)
        {
            await Console.Error.WriteLineAsync($"{product} cannot start: {problem}");
            return 1;
        }
    }

    /// <summary>The configuration problem <paramref name="exception"/> reports, or null when it is something else.</summary>
    internal static string? Describe(Exception exception) => exception switch
    {
        OptionsValidationException invalid => string.Join(" ", invalid.Failures),
        // The binder's own words name the setting and the type it wanted ("Failed to convert configuration value at
        // 'MassRouter:MaxRequestBodyBytes' to type 'System.Int64'.").
        InvalidOperationException { Message: var message } when message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => message,
        AggregateException aggregate when aggregate.InnerExceptions.Select(Describe).ToList() is { } problems && problems.All(p => p is not null) => string.Join(" ", problems),
        _ => null,
    };
}
