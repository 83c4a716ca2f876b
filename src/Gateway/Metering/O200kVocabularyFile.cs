using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MassRouter.Gateway.Metering;

/// <summary>
/// The o200k vocabulary mapped from a file of its block (<see cref="O200kVocabulary"/>), written from the data package
/// the first time a gateway starts with that path. A mapped vocabulary costs no managed heap, nothing resident until a
/// lookup touches its pages (clean pages the kernel may drop and read again), and one copy in memory for every gateway
/// process on the machine; building it from the deflated package takes a few hundred milliseconds and ~4 MiB of heap
/// (given back at the first idle collection) once.
/// </summary>
/// <remarks>
/// A file is used only when its header names this format and the data package build it was made from, and its length
/// matches; anything else is rebuilt. The new file is written under a temporary name, flushed to disk and renamed over
/// the old one, so no process maps a half-written file and a mapping already open keeps the old one. A mapping is never
/// unmapped: it lives as long as the process (one per path, see <see cref="Open"/>).
/// </remarks>
internal static class O200kVocabularyFile
{
    private static readonly ConcurrentDictionary<string, Lazy<O200kVocabulary>> Opened = new(StringComparer.Ordinal);

    /// <summary>
    /// The vocabulary mapped from <paramref name="path"/> (an absolute path), built there first when missing or stale;
    /// kept on the heap when the file can be neither written nor mapped. Once per path and process.
    /// </summary>
    public static O200kVocabulary Open(string path, ILogger logger) =>
        Opened.GetOrAdd(path, static (path, logger) => new Lazy<O200kVocabulary>(() => Open(path, logger, O200kVocabulary.OpenDataPackage, O200kVocabulary.DataPackageVersion())), logger).Value;

    /// <summary><see cref="Open(string, ILogger)"/> without the per-process cache, from any deflated tiktoken source.</summary>
    internal static O200kVocabulary Open(string path, ILogger logger, Func<Stream> openDeflated, Guid source)
    {
        if (TryMap(path, source, out var mapped, out var missing))
        {
            return mapped;
        }

        var block = O200kVocabulary.Build(openDeflated, source);
        string reason;
        try
        {
            Write(path, block);
            if (TryMap(path, source, out mapped, out reason))
            {
                logger.LogInformation("Wrote the o200k vocabulary ({Bytes} bytes) to {Path} ({Reason}); it is mapped from there.", block.Length, path, missing);
                return mapped;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = ex.Message;
        }

        logger.LogWarning("The o200k vocabulary could not be mapped from {Path} ({Reason}); it is kept on the managed heap (~4 MiB) instead.", path, reason);
        return O200kVocabulary.FromBlock(block);
    }

    /// <summary>Maps the file when it holds a block of this format made from <paramref name="source"/>; otherwise says why not.</summary>
    internal static unsafe bool TryMap(string path, Guid source, [NotNullWhen(true)] out O200kVocabulary? vocabulary, out string reason)
    {
        vocabulary = null;
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            reason = "no file yet";
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reason = ex.Message;
            return false;
        }

        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            // Checked with reads of the file, not through the mapping: touching a mapped page makes it resident (with a
            // file's large folios, 2 MiB at a time), and an idle gateway should hold none of it.
            var length = RandomAccess.GetLength(handle);
            Span<byte> bytes = stackalloc byte[O200kVocabulary.HeaderBytes];
            var header = O200kVocabulary.ReadHeader(bytes[..RandomAccess.Read(handle, bytes, 0)], length, source);
            var first = bytes.Slice(O200kVocabulary.HeaderBytes - 8, 4);
            var last = bytes.Slice(O200kVocabulary.HeaderBytes - 4, 4);
            if (RandomAccess.Read(handle, first, O200kVocabulary.HeaderBytes) != 4 || RandomAccess.Read(handle, last, header.LastOffsetAt) != 4)
            {
                throw new InvalidDataException("The vocabulary's offsets are cut short.");
            }

            header.CheckOffsets(MemoryMarshal.Read<int>(first), MemoryMarshal.Read<int>(last));

            map = MemoryMappedFile.CreateFromFile(handle, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);

            // Never released: the mapping stays for the life of the process, whatever becomes of these objects.
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            vocabulary = O200kVocabulary.FromMapping(pointer + view.PointerOffset, header, view);
            reason = "mapped";
            return true;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            if (pointer is not null)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            map?.Dispose();
            handle.Dispose();
            reason = ex is InvalidDataException ? $"stale or damaged: {ex.Message}" : ex.Message;
            return false;
        }
    }

    /// <summary>Writes the block to a temporary file beside <paramref name="path"/>, flushes it to disk, and renames it over <paramref name="path"/>.</summary>
    internal static void Write(string path, byte[] block)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(block);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
