using System.Text;
using System.Text.Json;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// Reads the line format shared by the <see cref="UsageSpool"/> and the <see cref="SettlementJournal"/>: one JSON
/// <see cref="Settlement"/> per line. A line that does not parse (a torn last line after a crash) is reported and skipped.
/// A zero byte at the start of a line ends the file: the rest of a journal segment is unwritten.
/// </summary>
internal static class SettlementFile
{
    /// <summary>Settles every line of <paramref name="file"/> in order; returns how many it settled.</summary>
    public static async Task<int> ReplayAsync(Stream file, Func<Settlement, Task> settle, Action<string> onCorruptLine)
    {
        using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var count = 0;
        while (await reader.ReadLineAsync() is { } read)
        {
            if (read.Length > 0 && read[0] == '\0')
            {
                break;
            }

            // A line cut short by the death of its writer is followed by the segment's zeros.
            var line = read.TrimEnd('\0');
            if (line.Length == 0)
            {
                continue;
            }

            Settlement? settlement;
            try
            {
                settlement = JsonSerializer.Deserialize(line, MeteringJson.Default.Settlement);
            }
            catch (JsonException)
            {
                settlement = null;
            }

            if (settlement?.Event is null)
            {
                onCorruptLine(line.Length > 200 ? line[..200] : line);
                continue;
            }

            await settle(settlement);
            count++;
        }

        return count;
    }
}
