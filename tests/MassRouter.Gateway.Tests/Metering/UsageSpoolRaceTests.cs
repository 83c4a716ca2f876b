using MassRouter.Gateway.Metering;

namespace MassRouter.Gateway.Tests.Metering;

public sealed class UsageSpoolRaceTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mr-spool-race-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task HasEntries_WhileTheFileIsRenamedAway_NeverThrows()
    {
        // What a replay does (the spool renamed aside, read, deleted; new events appended meanwhile), as fast as it can,
        // while the settler asks whether there is anything to replay.
        var spool = new UsageSpool(Path.Combine(_directory, "spool.jsonl"));
        var aside = spool.FilePath + ".aside";
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                File.WriteAllText(spool.FilePath, "{}\n");
                File.Move(spool.FilePath, aside, overwrite: true);
            }
        });

        var asked = 0;
        while (!stop.IsCancellationRequested)
        {
            _ = spool.HasEntries;
            asked++;
        }

        await churn;
        Assert.True(asked > 1000, $"asked only {asked} times");
    }
}
