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
        var first = journal.Append(Settlement("a"), out _);
        var second = journal.Append(Settlement("b"), out _);
        Assert.NotNull(first);
        Assert.Same(first, second);
        Assert.True(Bytes() > 0);

        journal.Complete(first);
        journal.Complete(second);
        journal.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task IdleSegment_StartsOver_AndForgetsWhatItHeld()
    {
        var earlier = new SettlementJournal(_directory, NullLogger.Instance);
        var entries = Enumerable.Range(0, 100).Select(i => earlier.Append(Settlement("settled-" + i), out _)).ToList();
        var segment = Assert.Single(entries.Distinct());
        entries.ForEach(earlier.Complete);
        Assert.Equal(0, Bytes());

        // The next entry goes to the start of the same segment; a crash now must replay it alone, not the settled ones
        // its shorter line would otherwise leave visible behind it.
        Assert.Same(segment, earlier.Append(Settlement("open"), out _));
        Assert.True(Bytes() > 0);
        earlier.Dispose();

        var later = new SettlementJournal(_directory, NullLogger.Instance);
        var replayed = new List<string>();
        Assert.Equal(1, await later.ReplayLeftoversAsync(s => Record(replayed, s), _ => Assert.Fail("no corrupt line expected")));
        Assert.Equal(["open"], replayed);
        later.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public void SettlementTooLargeForASegment_IsNotJournalled_AndTheJournalGoesOn()
    {
        var journal = new SettlementJournal(_directory, NullLogger.Instance);
        var huge = Settlement("huge") with { Event = Settlement("huge").Event with { RequestId = new string('r', (int)SettlementJournal.SegmentBytes) } };
        Assert.Null(journal.Append(huge, out _));

        var entry = journal.Append(Settlement("next"), out _);
        Assert.NotNull(entry);
        journal.Complete(entry);
        journal.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    [Fact]
    public async Task SegmentsLeftByAnEarlierProcess_AreReplayedInOrder_AndDeleted()
    {
        var earlier = new SettlementJournal(_directory, NullLogger.Instance);
        var entries = new[] { "a", "b", "c" }.Select(id => earlier.Append(Settlement(id), out _)).ToList();
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
        earlier.Append(Settlement("a"), out _);
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
        var entry = live.Append(Settlement("a"), out _);
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
    public async Task FullSegment_GivesWayToANewOne_IsZeroedOnceSettled_AndServesAgainAsTheNextOne()
    {
        var journal = new SettlementJournal(_directory, NullLogger.Instance);
        var first = journal.Append(Settlement("first"), out _)!;
        var entries = FillUntilRotation(journal, first);
        entries.Insert(0, first);
        var second = entries[^1]!;

        Assert.True(first.Length > SettlementJournal.SegmentBytes - 1024);
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
        foreach (var entry in entries.Where(e => e == first))
        {
            journal.Complete(entry);
        }

        // Drained: zeroed (nothing of it would replay) and kept for the next rotation.
        Assert.True(File.Exists(first.FilePath));
        Assert.Equal(0, first.Length);
        Assert.Equal(second.Length, Bytes());

        // The second fills up: the first, renamed (so the order of leftovers stays the order of writing), takes over.
        var oldPath = first.FilePath;
        var more = FillUntilRotation(journal, second);
        Assert.Same(first, more[^1]);
        Assert.NotEqual(oldPath, first.FilePath);
        Assert.False(File.Exists(oldPath));
        Assert.True(string.CompareOrdinal(Path.GetFileName(second.FilePath), Path.GetFileName(first.FilePath)) < 0);
        Assert.Equal(2, Directory.GetFiles(_directory).Length);

        // Killed now: what the reused segment holds replays after what the second holds, and nothing settled comes back.
        Assert.Same(first, journal.Append(Settlement("last"), out _));
        journal.Dispose();
        var later = new SettlementJournal(_directory, NullLogger.Instance);
        var replayed = new List<string>();
        var expected = entries.Count(e => e == second) + more.Count + 1;
        Assert.Equal(expected, await later.ReplayLeftoversAsync(s => Record(replayed, s), _ => Assert.Fail("no corrupt line expected")));
        Assert.Equal("last", replayed[^1]);
        later.Dispose();
        Assert.Empty(Directory.GetFiles(_directory));
    }

    /// <summary>Appends until an entry lands outside <paramref name="segment"/> (the last one in the list).</summary>
    private static List<JournalSegment?> FillUntilRotation(SettlementJournal journal, JournalSegment segment)
    {
        var entries = new List<JournalSegment?>();
        do
        {
            entries.Add(journal.Append(Settlement(Guid.NewGuid().ToString("N")), out _));
        }
        while (entries[^1] == segment);

        return entries;
    }

    [Fact]
    public async Task TornLastLine_IsReportedAndSkipped()
    {
        var earlier = new SettlementJournal(_directory, NullLogger.Instance);
        earlier.Append(Settlement("a"), out _);
        earlier.Dispose();
        var path = Assert.Single(Directory.GetFiles(_directory));

        // Killed halfway through copying the next line: the segment's zeros follow what was copied.
        using (var file = File.OpenHandle(path, FileMode.Open, FileAccess.Write))
        {
            RandomAccess.Write(file, "{\"event\":{\"id\":\"b\",\"acc"u8, Bytes());
        }

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

    private long Bytes() => JournalFiles.ContentBytes(_directory);

    private static Task Record(List<string> replayed, Settlement settlement)
    {
        replayed.Add(settlement.Event.Id);
        return Task.CompletedTask;
    }

    /// <summary>A settled request of the key <c>key_journal</c> of the account <c>u_journal</c>.</summary>
    internal static Settlement Settlement(string id) => new(
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
