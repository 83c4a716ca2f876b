using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// One file of the <see cref="SettlementJournal"/>: a file of <see cref="SettlementJournal.SegmentBytes"/> allocated on
/// disk up front and mapped into memory, so an append is a copy into the page cache, not a system call; what follows
/// the written lines is zeros. Guarded by the journal's lock.
/// </summary>
/// <remarks>
/// The blocks are allocated when the file is created (<see cref="DiskReservation"/>): writing to a mapped page the file
/// system cannot back raises SIGBUS, so a full disk must fail the creation (an <see cref="IOException"/> the journal
/// reports) rather than a later copy.
/// </remarks>
internal sealed class JournalSegment
{
    private static readonly byte[] Zeros = new byte[64 << 10];

    private readonly SafeFileHandle _handle;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _capacity;

    private JournalSegment(string path, SafeFileHandle handle, MemoryMappedFile map, MemoryMappedViewAccessor view, long capacity)
    {
        FilePath = path;
        _handle = handle;
        _map = map;
        _view = view;
        _capacity = capacity;
    }

    public string FilePath { get; private set; }

    /// <summary>Bytes written (the next entry's offset).</summary>
    public long Length { get; private set; }

    /// <summary>Entries appended but not yet settled or spooled.</summary>
    public int Pending { get; set; }

    /// <summary>
    /// Creates the segment's file (exclusively locked, so no other gateway replays it while it lives) with
    /// <paramref name="capacity"/> bytes allocated, and maps it. <paramref name="fallocate"/> stands in for the system
    /// call in tests.
    /// </summary>
    public static JournalSegment Create(string path, long capacity, Func<SafeFileHandle, long, int>? fallocate = null)
    {
        var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None);
        MemoryMappedFile? map = null;
        try
        {
            DiskReservation.Reserve(handle, capacity, fallocate);
            map = MemoryMappedFile.CreateFromFile(handle, mapName: null, capacity, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
            return new JournalSegment(path, handle, map, map.CreateViewAccessor(0, capacity, MemoryMappedFileAccess.ReadWrite), capacity);
        }
        catch
        {
            map?.Dispose();
            handle.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>Copies <paramref name="line"/> after what is written, at <paramref name="offset"/>; false when it does not fit.</summary>
    public bool TryAppend(ReadOnlySpan<byte> line, out long offset)
    {
        offset = Length;
        if (line.Length > _capacity - Length)
        {
            return false;
        }

        _view.SafeMemoryMappedViewHandle.WriteSpan((ulong)Length, line);
        Length += line.Length;
        Pending++;
        return true;
    }

    /// <summary>
    /// Copies written bytes from <paramref name="offset"/> into <paramref name="destination"/>. Needs no lock: an entry's
    /// bytes stay as they are until it is completed, and other threads only append after them.
    /// </summary>
    public void Read(long offset, Span<byte> destination) => _view.SafeMemoryMappedViewHandle.ReadSpan((ulong)offset, destination);

    /// <summary>
    /// Zeros what is written and starts over at the beginning: every entry is settled, and a line left behind would be
    /// replayed after a crash.
    /// </summary>
    public void Reset()
    {
        for (var offset = 0L; offset < Length; offset += Zeros.Length)
        {
            _view.SafeMemoryMappedViewHandle.WriteSpan((ulong)offset, Zeros.AsSpan(0, (int)Math.Min(Zeros.Length, Length - offset)));
        }

        Length = 0;
    }

    /// <summary>
    /// Renames a drained, zeroed segment to <paramref name="path"/> to serve as a new one: its pages are already in the
    /// page cache and mapped, so the next appends copy without a page fault each (a new file faults on every page it
    /// fills). False when the file system refuses (the segment is then deleted).
    /// </summary>
    public bool TryReuseAs(string path)
    {
        try
        {
            File.Move(FilePath, path);
            FilePath = path;
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Delete();
            return false;
        }
    }

    /// <summary>Unmaps and closes the file; what was written stays in it (the kernel writes the pages back).</summary>
    public void Close()
    {
        _view.Dispose();
        _map.Dispose();
        _handle.Dispose();
    }

    /// <summary>Deletes the file, then closes it (deleted while still locked, so no other gateway starts replaying it in between).</summary>
    public void Delete()
    {
        File.Delete(FilePath);
        Close();
    }
}
