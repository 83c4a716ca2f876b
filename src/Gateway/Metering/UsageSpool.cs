using System.Text.Json;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Local append-only file (one JSON settlement per line) for events that could not be settled because Redis was
/// unreachable. Replay renames the file aside first, so new events keep appending to a fresh one; a replay that fails
/// half-way keeps its file and is retried (events already settled are no-ops thanks to the settle script's claim).
/// A torn last line (a crash mid-append) is skipped.
/// </summary>
internal sealed class UsageSpool
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly string _replayPath;

    public UsageSpool(string path)
    {
        _path = Path.GetFullPath(path);
        _replayPath = _path + ".replaying";
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
    }

    public string FilePath => _path;

    /// <summary>True when there is something to replay.</summary>
    public bool HasEntries
    {
        get
        {
            if (File.Exists(_replayPath))
            {
                return true;
            }

            // One look at the file (FileInfo keeps what it read): a replay may rename it away between two separate looks,
            // and reading the length of a file that is gone throws.
            var file = new FileInfo(_path);
            return file.Exists && file.Length > 0;
        }
    }

    public void Append(Settlement settlement)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(settlement, MeteringJson.Default.Settlement);
        lock (_lock)
        {
            using var file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
            file.Write(line);
            file.WriteByte((byte)'\n');

            // The event is the only record of a charge: it must survive a crash of this process or machine.
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Settles every spooled event with <paramref name="settle"/>; false when it must be retried later.</summary>
    public async Task<bool> ReplayAsync(Func<Settlement, Task> settle, Action<string> onCorruptLine)
    {
        lock (_lock)
        {
            if (!File.Exists(_replayPath))
            {
                if (!File.Exists(_path))
                {
                    return true;
                }

                File.Move(_path, _replayPath);
            }
        }

        await using (var file = new FileStream(_replayPath, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            await SettlementFile.ReplayAsync(file, settle, onCorruptLine);
        }

        File.Delete(_replayPath);
        return true;
    }
}
