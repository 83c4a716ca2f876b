using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Logging.Abstractions;

namespace MassRouter.Gateway.Tests.Metering;

public sealed class SettlementJournalTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "massrouter-journal-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void SettledEntries_LeaveNothingBehind()
    {
        var journal = new SettlementJournal(_directory, NullLogger.Instance);
        var first = journal.Append(Settlement("a"));
        var second = journal.Append(Settlement("b"));
        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.True(Bytes() > 0);

        journal.Complete(first);
        journal.Complete(second);
        journal.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void IdleSegment_StartsOverOnceItHasGrown()
    {
        var journal = new SettlementJournal(_directory, NullLogger.Instance);
        var entries = new List<JournalSegment?>();
        while (Bytes() < SettlementJournal.IdleResetBytes)
        {
            entries.Add(journal.Append(Settlement(Guid.NewGuid().ToString("N"))));
        }

        entries.ForEach(journal.Complete);
        Assert.Equal(0, Bytes());

        // A small idle segment is left as it is (truncating costs more than replaying a few settled entries).
        journal.Complete(journal.Append(Settlement("small")));
        Assert.True(Bytes() > 0);
        journal.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task SegmentsLeftByAnEarlierProcess_AreReplayedInOrder_AndDeleted()
    {
        var earlier = new SettlementJournal(_directory, NullLogger.Instance);
        var entries = new[] { "a", "b", "c" }.Select(id => earlier.Append(Settlement(id))).ToList();
        earlier.Complete(entries[0]);

        // Closed with entries unsettled (a kill leaves the same file; so does a drain cut short).
        earlier.Dispose();
        Assert.Single(Directory.GetFiles(_directory));

        var later = new SettlementJournal(_directory, NullLogger.Instance);
        Assert.True(later.HasLeftovers);
        var replayed = new List<string>();
        Assert.Equal(3, await later.ReplayLeftoversAsync(s => Record(replayed, s), _ => Assert.Fail("no corrupt line expected")));

        // The settled one too: its replay is a no-op thanks to the settle script's marker.
        Assert.Equal(["a", "b", "c"], replayed);
        Assert.False(later.HasLeftovers);
        Assert.Empty(Directory.GetFiles(_directory));
        later.Dispose();
    }

    [Fact]
    public async Task ReplayThatFails_KeepsTheSegmentForTheNextAttempt()
    {
        var earlier = new SettlementJournal(_directory, NullLogger.Instance);
        earlier.Append(Settlement("a"));
        earlier.Dispose();

        var later = new SettlementJournal(_directory, NullLogger.Instance);
        await Assert.ThrowsAsync<TimeoutException>(() => later.ReplayLeftoversAsync(_ => throw new TimeoutException(), _ => { }));
        Assert.True(later.HasLeftovers);
        var replayed = new List<string>();
        Assert.Equal(1, await later.ReplayLeftoversAsync(s => Record(replayed, s), _ => { }));
        Assert.Equal(["a"], replayed);
        later.Dispose();
    }

    [Fact]
    public async Task SegmentOfALiveJournal_IsNotReplayedByAnotherSharingTheDirectory()
    {
        var live = new SettlementJournal(_directory, NullLogger.Instance);
        var entry = live.Append(Settlement("a"));
        var other = new SettlementJournal(_directory, NullLogger.Instance);
        Assert.True(other.HasLeftovers);

        Assert.Equal(0, await other.ReplayLeftoversAsync(_ => Task.FromException(new InvalidOperationException("replayed a live segment")), _ => { }));
        Assert.False(other.HasLeftovers);
        Assert.True(Bytes() > 0);

        live.Complete(entry);
        live.Dispose();
        other.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void FullSegment_GivesWayToANewOne_AndIsDeletedOnceSettled()
    {
        var journal = new SettlementJournal(_directory, NullLogger.Instance);
        var first = journal.Append(Settlement("first"))!;
        var entries = new List<JournalSegment?> { first };
        while (entries[^1] == first)
        {
            entries.Add(journal.Append(Settlement(Guid.NewGuid().ToString("N"))));
        }

        Assert.True(first.Length >= SettlementJournal.SegmentBytes);
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
        foreach (var entry in entries.Where(e => e == first))
        {
            journal.Complete(entry);
        }

        Assert.False(File.Exists(first.FilePath));
        Assert.Single(Directory.GetFiles(_directory));
        journal.Complete(entries[^1]);
        journal.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task TornLastLine_IsReportedAndSkipped()
    {
        var earlier = new SettlementJournal(_directory, NullLogger.Instance);
        earlier.Append(Settlement("a"));
        earlier.Dispose();
        var path = Assert.Single(Directory.GetFiles(_directory));
        await File.AppendAllTextAsync(path, "{\"event\":{\"id\":\"b\",\"acc");

        var later = new SettlementJournal(_directory, NullLogger.Instance);
        var replayed = new List<string>();
        var corrupt = new List<string>();
        Assert.Equal(1, await later.ReplayLeftoversAsync(s => Record(replayed, s), corrupt.Add));
        Assert.Equal(["a"], replayed);
        Assert.Single(corrupt);
        later.Dispose();
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private long Bytes() => Directory.GetFiles(_directory).Sum(f => new FileInfo(f).Length);

    private static Task Record(List<string> replayed, Settlement settlement)
    {
        replayed.Add(settlement.Event.Id);
        return Task.CompletedTask;
    }

    private static Settlement Settlement(string id) => new(
        new UsageEvent
        {
            Id = id,
            RequestId = "req_" + id,
            KeyId = "key_journal",
            Account = "u_journal",
            Model = "test/metered",
            Provider = "sim",
            PromptTokens = 12,
            CompletionTokens = 34,
            CostNanos = 567,
            Status = UsageStatus.Ok,
            HttpStatus = 200,
        },
        KeyTpm: 0,
        TokenDelta: 0);
}
