using System.Text;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Logging.Abstractions;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// The o200k vocabulary mapped from a file: written once from the data package, then mapped with no managed heap;
/// a stale, damaged or unwritable file never gives wrong ranks.
/// </summary>
public sealed class O200kVocabularyFileTests : IDisposable
{
    private const string Tiny = "YQ== 0\nYg== 1\nYWI= 2\n";

    private static readonly Guid TinySource = Guid.NewGuid();

    private readonly string _directory = Directory.CreateTempSubdirectory("mr-vocab-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void DataPackage_IsWrittenOnce_ThenMapped_WithEveryRankOfTheHeapVocabulary()
    {
        var path = Path.Combine(_directory, "sub", "o200k_base.vocab");
        var source = O200kVocabulary.DataPackageVersion();

        var built = O200kVocabularyFile.Open(path, NullLogger.Instance, O200kVocabulary.OpenDataPackage, source);
        Assert.True(built.IsMapped);
        var written = File.GetLastWriteTimeUtc(path);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));

        var mapped = O200kVocabularyFile.Open(path, NullLogger.Instance, () => throw new InvalidOperationException("rebuilt"), source);
        var heap = O200kVocabulary.Load();
        Assert.True(mapped.IsMapped);
        Assert.False(heap.IsMapped);
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal(heap.Count, mapped.Count);
        Assert.Equal(heap.SizeInBytes, new FileInfo(path).Length);
        for (var rank = 0; rank < heap.Count; rank++)
        {
            var token = heap.Token(rank);
            Assert.True(token.SequenceEqual(mapped.Token(rank)), $"token {rank}");
            Assert.Equal(rank, mapped.RankOf(token));
        }

        Assert.Equal(-1, mapped.RankOf("<|endoftext|>"u8));
        Assert.Equal(new O200kTokenCounter(heap).Count("Mapped or not, the counts agree: ünïcödé 数字 12345."), new O200kTokenCounter(mapped).Count("Mapped or not, the counts agree: ünïcödé 数字 12345."));
    }

    [Fact]
    public void MappingAnExistingFile_AllocatesAlmostNothing()
    {
        var path = Path.Combine(_directory, "o200k_base.vocab");
        var source = O200kVocabulary.DataPackageVersion();
        _ = O200kVocabularyFile.Open(path, NullLogger.Instance, O200kVocabulary.OpenDataPackage, source);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var mapped = O200kVocabularyFile.Open(path, NullLogger.Instance, O200kVocabulary.OpenDataPackage, source);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(mapped.IsMapped);
        Assert.True(allocated < 64 * 1024, $"{allocated} bytes allocated to map a {mapped.SizeInBytes}-byte vocabulary");
    }

    [Fact]
    public void MappedVocabulary_IsNotResidentUntilALookup()
    {
        var path = Path.Combine(_directory, "o200k_base.vocab");
        var source = O200kVocabulary.DataPackageVersion();
        O200kVocabularyFile.Write(path, O200kVocabulary.Build(O200kVocabulary.OpenDataPackage, source));

        Assert.True(O200kVocabularyFile.TryMap(path, source, out var mapped, out _));
        Assert.Equal(0, ResidentKiB(path));

        Assert.True(mapped.RankOf("Hello"u8) >= 0);
        Assert.True(ResidentKiB(path) > 0);
    }

    public static TheoryData<string> Damage() => ["garbage", "truncated", "other source", "other format", "wrong length in header", "last offset"];

    [Theory]
    [MemberData(nameof(Damage))]
    public void StaleOrDamagedFile_IsRebuilt(string damage)
    {
        var path = Path.Combine(_directory, "tiny.vocab");
        var block = O200kVocabulary.Build(() => TokenCounterTests.Deflated(Tiny), damage == "other source" ? Guid.NewGuid() : TinySource);
        switch (damage)
        {
            case "garbage":
                block = Encoding.ASCII.GetBytes("not a vocabulary at all, but long enough to hold a header of sixty-four bytes");
                break;
            case "truncated":
                block = block[..^3];
                break;
            case "other format":
                block[8]++;
                break;
            case "wrong length in header":
                block[40]++;
                break;
            case "last offset":
                block[(int)O200kVocabulary.ReadHeader(block, block.Length, TinySource).LastOffsetAt]++;
                break;
        }

        File.WriteAllBytes(path, block);
        Assert.False(O200kVocabularyFile.TryMap(path, TinySource, out _, out var reason));
        Assert.StartsWith("stale or damaged", reason, StringComparison.Ordinal);

        var vocabulary = O200kVocabularyFile.Open(path, NullLogger.Instance, () => TokenCounterTests.Deflated(Tiny), TinySource);
        Assert.True(vocabulary.IsMapped);
        Assert.Equal(TinySource, vocabulary.Source);
        Assert.Equal(2, vocabulary.RankOf("ab"u8));
        Assert.Equal(-1, vocabulary.RankOf("ba"u8));
        Assert.True(O200kVocabularyFile.TryMap(path, TinySource, out _, out _));
    }

    [Fact]
    public void FileThatCannotBeWritten_KeepsTheVocabularyOnTheHeap()
    {
        // A directory that cannot exist: a regular file stands where it would be (root may write anywhere else).
        var blocker = Path.Combine(_directory, "blocker");
        File.WriteAllText(blocker, "a file, not a directory");
        var path = Path.Combine(blocker, "tiny.vocab");

        var vocabulary = O200kVocabularyFile.Open(path, NullLogger.Instance, () => TokenCounterTests.Deflated(Tiny), TinySource);

        Assert.False(vocabulary.IsMapped);
        Assert.Equal(3, vocabulary.Count);
        Assert.Equal(1, vocabulary.RankOf("b"u8));
    }

    [Fact]
    public void OnePathPerProcess_IsOpenedOnce()
    {
        var path = Path.Combine(_directory, "o200k_base.vocab");
        var first = O200kVocabularyFile.Open(path, NullLogger.Instance);
        Assert.Same(first, O200kVocabularyFile.Open(path, NullLogger.Instance));
        Assert.True(first.IsMapped);
        Assert.Equal(O200kVocabulary.DataPackageVersion(), first.Source);
    }

    /// <summary>Resident KiB of this process's mappings of <paramref name="path"/> (Linux: /proc/self/smaps).</summary>
    private static long ResidentKiB(string path)
    {
        long total = 0;
        var inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length > 0 && fields[0].Contains('-', StringComparison.Ordinal) && !fields[0].EndsWith(':'))
            {
                inFile = fields.Length >= 6 && fields[5] == path;
            }
            else if (inFile && fields is ["Rss:", var kib, "kB"])
            {
                total += long.Parse(kib, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
