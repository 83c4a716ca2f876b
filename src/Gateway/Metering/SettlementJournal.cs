using System.Buffers;
using System.Text.Json;
using MassRouter.Core.Usage;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Write-ahead journal of final settlements: <see cref="Append"/> writes the settlement to the current segment file
/// before it is queued, so a gateway process killed between the response's last byte and the settle script's answer
/// (Redis slow or unreachable) leaves it on disk, and the next start replays it (idempotent by the settlement's claim, see <see cref="SettlementClaim"/>).
/// </summary>
/// <remarks>
/// <para>The append is a copy into a memory-mapped segment file, without fsync: the page cache holds it once the copy
/// is done, so it survives the death of the process (a kill, a crash, an OOM kill), which is the failure this guards
/// against, but not a power loss or a kernel panic; the spool, which holds settlements Redis refused, is the one that
/// fsyncs. The line is serialized into a per-thread buffer, so an append allocates nothing and makes no system call
/// (a positional <c>write</c> per request cost ~4.5 µs under load, most of the journal's price).</para>
/// <para>Entries are reclaimed by segment: a segment counts its unsettled entries; when it has none left it is zeroed
/// and, while it is still the current one, started over (so a steady gateway keeps writing the same few pages); a
/// segment too full for the next line gives way to the next one, which is the last drained segment renamed when there
/// is one (its pages are mapped already: a new file costs a page fault on each page it fills, 1–2.5 µs per request at
/// ~4,500 req/s) and a new file otherwise; one drained segment is kept for that, the others are deleted. Segments are
/// held with an exclusive lock (<see cref="FileShare.None"/>), so a gateway never replays a segment another live gateway
/// sharing the directory is still writing. A replay stops at a segment's first zero byte.</para>
/// </remarks>
internal sealed partial class SettlementJournal : IDisposable
{
    /// <summary>Size of a segment file (bounds what a restart replays in vain).</summary>
    public const long SegmentBytes = 1 << 20;

    private const string Extension = ".jsonl";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_line;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly List<string> _leftovers;
    private readonly List<JournalSegment> _open = [];
    private JournalSegment? _current;
    private JournalSegment? _spare;
    private bool _disposed;
    private bool _failing;

    public SettlementJournal(string directory, ILogger logger)
    {
        _directory = Path.GetFullPath(directory);
        _logger = logger;
        Directory.CreateDirectory(_directory);

        // Everything already here was left by an earlier process (or belongs to a live one sharing the directory,
        // which the replay recognises by its lock).
        _leftovers = [.. Directory.GetFiles(_directory, "*" + Extension).Order(StringComparer.Ordinal)];
    }

    public string DirectoryPath => _directory;

    /// <summary>True while segments left by an earlier process wait to be replayed.</summary>
    public bool HasLeftovers
    {
        get
        {
            lock (_lock)
            {
                return _leftovers.Count > 0;
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="settlement"/> to the journal; returns its segment, to be passed to <see cref="Complete"/>
    /// once the settlement is settled or spooled, or null when the journal could not be written (the settlement then
    /// lives in memory only, as it would without a journal). <paramref name="eventJson"/> is the usage event's JSON as
    /// the line holds it, for the settle script (so it is serialized once): where it lies in the segment, or a copy when
    /// the journal could not take the line.
    /// </summary>
    public JournalSegment? Append(Settlement settlement, out EventJson eventJson)
    {
        var line = t_line ??= new ArrayBufferWriter<byte>(1024);
        line.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(line);
        writer.Reset(line);
        var usage = WriteLine(writer, line, settlement);
        line.GetSpan(1)[0] = (byte)'\n';
        line.Advance(1);
        var (start, length) = usage.GetOffsetAndLength(line.WrittenCount);
        eventJson = default;

        lock (_lock)
        {
            if (_disposed)
            {
                eventJson = new EventJson(line.WrittenSpan.Slice(start, length).ToArray());
                return null;
            }

            try
            {
                var segment = _current;
                long offset;
                if (segment is null || !segment.TryAppend(line.WrittenSpan, out offset))
                {
                    segment = Rotate();
                    if (!segment.TryAppend(line.WrittenSpan, out offset))
                    {
                        throw new IOException($"A settlement of {line.WrittenCount} bytes does not fit in a journal segment.");
                    }
                }

                _failing = false;
                eventJson = new EventJson(segment, offset + start, length);
                return segment;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Once per failure streak: a full disk must not also flood the log on every request.
                if (!_failing)
                {
                    _failing = true;
                    LogWriteFailed(ex.Message);
                }

                eventJson = new EventJson(line.WrittenSpan.Slice(start, length).ToArray());
                return null;
            }
        }
    }

    /// <summary>The entry appended to <paramref name="segment"/> is settled or spooled: it no longer needs the journal.</summary>
    public void Complete(JournalSegment? segment)
    {
        if (segment is null)
        {
            return;
        }

        lock (_lock)
        {
            if (--segment.Pending > 0 || _disposed)
            {
                return;
            }

            try
            {
                if (segment != _current)
                {
                    Retire(segment);
                }
                else
                {
                    // Idle: every entry is settled, so the segment starts over instead of filling up.
                    segment.Reset();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Left as is: a replay of settled entries is a no-op.
                LogWriteFailed(ex.Message);
            }
        }
    }

    /// <summary>
    /// Settles every entry of the segments an earlier process left behind, deleting each segment once replayed; throws
    /// what <paramref name="settle"/> throws (the segment stays for the next attempt). Returns how many entries it settled.
    /// </summary>
    public async Task<int> ReplayLeftoversAsync(Func<Settlement, Task> settle, Action<string> onCorruptLine)
    {
        string[] leftovers;
        lock (_lock)
        {
            leftovers = [.. _leftovers];
        }

        var count = 0;
        foreach (var path in leftovers)
        {
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            }
            catch (FileNotFoundException)
            {
                Forget(path);
                continue;
            }
            catch (IOException)
            {
                // Locked: a live gateway sharing this directory still writes it; it is not ours to replay.
                Forget(path);
                continue;
            }

            await using (file)
            {
                count += await SettlementFile.ReplayAsync(file, settle, onCorruptLine);

                // Deleted while still locked, so no other process starts replaying it in between.
                File.Delete(path);
            }

            Forget(path);
        }

        return count;
    }

    /// <summary>Closes the journal; segments with no unsettled entry are deleted, the others stay for the next start.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var segment in _open)
            {
                if (segment.Pending == 0)
                {
                    segment.Delete();
                }
                else
                {
                    segment.Close();
                }
            }

            _open.Clear();
            _current = null;
        }
    }

    /// <summary>
    /// Writes <paramref name="settlement"/> as <see cref="MeteringJson"/> does (the spool and the replay read it with
    /// that), and returns where the event's JSON lies in <paramref name="line"/>: the same bytes
    /// <see cref="CoreJson"/> gives the outbox.
    /// </summary>
    internal static Range WriteLine(Utf8JsonWriter writer, ArrayBufferWriter<byte> line, Settlement settlement)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("event"u8);
        writer.Flush();
        var start = line.WrittenCount;
        JsonSerializer.Serialize(writer, settlement.Event, CoreJson.Default.UsageEvent);
        writer.Flush();
        var end = line.WrittenCount;
        writer.WriteNumber("keyTpm"u8, settlement.KeyTpm);
        writer.WriteNumber("tokenDelta"u8, settlement.TokenDelta);
        if (settlement.Instance is { } instance)
        {
            writer.WriteString("instance"u8, instance);
        }

        switch (settlement.Claim)
        {
            case SettlementClaim.Inflight:
                writer.WriteString("claim"u8, "Inflight"u8);
                break;
            case SettlementClaim.Sweep:
                writer.WriteString("claim"u8, "Sweep"u8);
                break;
        }

        if (settlement.EndUserField is { } endUserField)
        {
            writer.WriteString("endUserField"u8, endUserField);
        }

        writer.WriteEndObject();
        writer.Flush();
        return start..end;
    }

    private JournalSegment Rotate()
    {
        // Version 7 GUIDs sort by time, so leftovers replay in the order they were written.
        var path = Path.Combine(_directory, Guid.CreateVersion7().ToString("N") + Extension);
        var spare = _spare;
        _spare = null;
        JournalSegment segment;
        if (spare is not null && spare.TryReuseAs(path))
        {
            segment = spare;
        }
        else
        {
            if (spare is not null)
            {
                // Deleted by the failed reuse.
                _open.Remove(spare);
            }

            segment = JournalSegment.Create(path, SegmentBytes);
            _open.Add(segment);
        }

        var previous = _current;
        _current = segment;
        if (previous is { Pending: 0 })
        {
            Retire(previous);
        }

        return segment;
    }

    /// <summary>A segment that is not the current one has no unsettled entry left: zeroed and kept as the spare, or deleted.</summary>
    private void Retire(JournalSegment segment)
    {
        if (_spare is null)
        {
            segment.Reset();
            _spare = segment;
            return;
        }

        segment.Delete();
        _open.Remove(segment);
    }

    private void Forget(string path)
    {
        lock (_lock)
        {
            _leftovers.Remove(path);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The settlement journal could not be written: {Error}")]
    private partial void LogWriteFailed(string error);
}
