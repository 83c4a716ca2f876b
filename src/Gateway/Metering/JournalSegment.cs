using Microsoft.Win32.SafeHandles;

namespace MassRouter.Gateway.Metering;

/// <summary>One file of the <see cref="SettlementJournal"/>: its handle, how much is written and how many entries are unsettled.</summary>
internal sealed class JournalSegment(string path, SafeFileHandle handle)
{
    public string FilePath { get; } = path;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>Bytes written (the next entry's offset). Guarded by the journal's lock.</summary>
    public long Length { get; set; }

    /// <summary>Entries appended but not yet settled or spooled. Guarded by the journal's lock.</summary>
    public int Pending { get; set; }

    public void Delete()
    {
        File.Delete(FilePath);
        Handle.Dispose();
    }
}
