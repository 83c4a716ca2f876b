using MassRouter.ControlApi.Configuration;
using Microsoft.Extensions.Options;

namespace MassRouter.ControlApi.Tests.Hosting;

/// <summary>A setting the host cannot start with ends the process with one line and exit code 1.</summary>
public sealed class StartupErrorsTests
{
    [Fact]
    public void ConfigurationProblems_AreDescribedInTheirOwnWords_OtherFailuresAreNot()
    {
        var invalid = new OptionsValidationException("ControlApi", typeof(ControlApiOptions), ["ControlApi:Ledger: BatchSize must be 1..10000.", "Second."]);
        Assert.Equal("ControlApi:Ledger: BatchSize must be 1..10000. Second.", StartupErrors.Describe(invalid));

        var unconvertible = new InvalidOperationException("Failed to convert configuration value 'abc' at 'ControlApi:Ledger:BatchSize' to type 'System.Int32'.");
        Assert.Equal(unconvertible.Message, StartupErrors.Describe(unconvertible));
        Assert.Equal(unconvertible.Message, StartupErrors.Describe(new AggregateException(unconvertible)));

        Assert.Null(StartupErrors.Describe(new InvalidOperationException("Something else broke.")));
        Assert.Null(StartupErrors.Describe(new AggregateException(unconvertible, new IOException("disk"))));
    }

    [Fact]
    public async Task RunAsync_ReturnsExitCode1_ForAConfigurationProblem_AndRethrowsAnythingElse()
    {
        Assert.Equal(1, await StartupErrors.RunAsync("test", () => throw new OptionsValidationException("x", typeof(object), ["x must be positive."])));
        await Assert.ThrowsAsync<IOException>(() => StartupErrors.RunAsync("test", () => throw new IOException("disk")));
    }
}
