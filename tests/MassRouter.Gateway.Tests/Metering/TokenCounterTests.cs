using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;
using CsCheck;
using MassRouter.Gateway.Metering;
using MassRouter.Tests;
using Microsoft.ML.Tokenizers;
using Xunit.Abstractions;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// The gateway's compact o200k_base counter gives exactly the counts of Microsoft.ML.Tokenizers'
/// <c>TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens</c>, which stays here as the oracle.
/// </summary>
public class TokenCounterTests(ITestOutputHelper output)
{
    private const int O200kMergeableTokens = 199_998;

    private static readonly Lazy<O200kTokenCounter> Ours = new(O200kTokenCounter.Load);
    private static readonly Lazy<TiktokenTokenizer> Microsoft = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    [Fact]
    public void DataPackage_HoldsTheDeflatedTiktokenFile()
    {
        var assembly = Assembly.Load(new AssemblyName(O200kVocabulary.DataAssemblyName));
        Assert.Contains(O200kVocabulary.ResourceName, assembly.GetManifestResourceNames());
    }

    [Fact]
    public void Vocabulary_HasEveryO200kTokenAtMicrosoftsRank()
    {
        var vocabulary = Ours.Value.Vocabulary;
        Assert.Equal(O200kMergeableTokens, vocabulary.Count);

        // Microsoft does not expose its byte map; its decoder gives the text of every token that is whole UTF-8.
        var compared = 0;
        for (var rank = 0; rank < vocabulary.Count; rank++)
        {
            var token = vocabulary.Token(rank);
            Assert.Equal(rank, vocabulary.RankOf(token));
            if (Utf8.IsValid(token))
            {
                Assert.Equal(Microsoft.Value.Decode([rank]), Encoding.UTF8.GetString(token));
                compared++;
            }
        }

        Assert.True(compared > 190_000, $"only {compared} tokens compared with Microsoft's");
        Assert.Equal(-1, vocabulary.RankOf("<|endoftext|>"u8));
        Assert.Equal(-1, vocabulary.RankOf([]));
    }

    [Fact]
    public void EveryToken_MergesBackToItself()
    {
        // The counter takes a piece found whole in the vocabulary as one token without merging; Microsoft skips that
        // shortcut for tokens that decode to U+FFFD. Both agree only because merging a token's bytes yields that token.
        var vocabulary = Ours.Value.Vocabulary;
        for (var rank = 0; rank < vocabulary.Count; rank++)
        {
            var token = vocabulary.Token(rank);
            Assert.True(token.Length == 1 || BytePairMerge.Count(vocabulary, token) == 1, $"token {rank} does not merge back to itself");
        }
    }

    [Fact]
    public void Vocabulary_IsCompact()
    {
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var stopwatch = Stopwatch.StartNew();
        var vocabulary = O200kVocabulary.Load();
        var elapsed = stopwatch.Elapsed;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"o200k_base loaded in {elapsed.TotalMilliseconds:F0} ms: {vocabulary.SizeInBytes / 1048576.0:F2} MiB of arrays, managed heap +{(after - before) / 1048576.0:F2} MiB");

        Assert.Equal(O200kMergeableTokens, vocabulary.Count);
        Assert.True(vocabulary.SizeInBytes < 6 * 1024 * 1024, $"{vocabulary.SizeInBytes} bytes");
        GC.KeepAlive(vocabulary);
    }

    [Fact]
    public void Empty_IsZeroTokens()
    {
        Assert.Equal(0, Ours.Value.Count([]));
        Assert.Equal(0, new TokenCounter().Count(string.Empty));
    }

    [Theory]
    [InlineData("<|endoftext|>")]
    [InlineData("<|endofprompt|>")]
    [InlineData("before<|endoftext|>after")]
    [InlineData("  <|endofprompt|>\n\n<|endoftext|><|endoftext|> x")]
    [InlineData("<|endoftext|")]
    [InlineData("<|<|endofprompt|>|>")]
    [InlineData("text   <|endoftext|>   text")]
    public void SpecialTokens_CountLikeMicrosoftsDefault(string text)
    {
        // Microsoft's default splits the special tokens out and counts each as one token.
        Assert.Equal(FreshMicrosoft().CountTokens(text), Ours.Value.Count(text));
    }

    [Fact]
    public void EveryRecordedFixtureString_CountsLikeMicrosoft()
    {
        var texts = FixtureTexts();
        Assert.True(texts.Count > 2_000, $"only {texts.Count} strings found in the fixtures");

        var mismatches = texts.Where(text => Microsoft.Value.CountTokens(text) != Ours.Value.Count(text)).Take(5).ToList();
        Assert.True(mismatches.Count == 0, "counts differ for: " + string.Join(" | ", mismatches.Select(m => JsonSerializer.Serialize(m[..Math.Min(m.Length, 120)]))));
        output.WriteLine($"{texts.Count} fixture strings, {texts.Sum(t => t.Length)} chars");
    }

    [Fact]
    public void RandomText_CountsLikeMicrosoft()
    {
        Text.Sample(text => { Assert.Equal(Expected(text), Ours.Value.Count(text)); }, iter: 3_000, print: text => JsonSerializer.Serialize(text));
    }

    [Fact]
    public void LongWords_CountLikeMicrosoft()
    {
        // Single pieces of 50-400 bytes: both sides of the linear-scan / heap switch in the merge.
        var word = Gen.OneOf(Gen.Char['a', 'z'], Gen.Char["éèçñüßø"], Gen.Char["中文字漢"]).Array[50, 200].Select(chars => new string(chars));
        word.Sample(text => { Assert.Equal(Microsoft.Value.CountTokens(text), Ours.Value.Count(text)); }, iter: 300, print: text => JsonSerializer.Serialize(text));
    }

    public static TheoryData<string> LongInputs()
    {
        const int Size = 100 * 1024;
        var random = new Random(20_261_126);
        var mixed = new StringBuilder(Size + 1024);
        while (mixed.Length < Size)
        {
            mixed.Append(random.Next(4) switch
            {
                0 => new string((char)random.Next('a', 'z' + 1), random.Next(1, 12)),
                1 => random.Next(100_000).ToString(CultureInfo.InvariantCulture),
                2 => ((char)random.Next(char.MaxValue + 1)).ToString(),
                _ => Fragments[random.Next(Fragments.Length)],
            });
        }

        var recorded = new StringBuilder(Size + 64 * 1024);
        foreach (var file in Directory.EnumerateFiles(FixturesRoot.Path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            recorded.Append(File.ReadAllText(file));
            if (recorded.Length >= Size)
            {
                break;
            }
        }

        return new TheoryData<string> { mixed.ToString(), recorded.ToString(), Repeat("0123456789", Size / 10) };
    }

    /// <summary>
    /// Text that is one long piece, merged by the heap. 8 KB, not 100: Microsoft's merge of one long piece grows
    /// quadratically (100 KB of CJK takes it ~35 s; ours ~0.2 s).
    /// </summary>
    public static TheoryData<string> LongPieces()
    {
        const int Size = 8 * 1024;
        return new TheoryData<string>
        {
            Repeat("abcdefghij", Size / 10),
            new string(' ', Size),
            Repeat(" \n", Size / 2),
            Repeat("日本語のテキスト", Size / 8),
            Repeat("\ud83d\ude00", Size / 2),
            Repeat("\ud800", Size),
            Repeat("!?", Size / 2),
        };
    }

    [Theory]
    [MemberData(nameof(LongPieces))]
    public void LongPiece_CountsLikeMicrosoft(string text)
    {
        Assert.Equal(Microsoft.Value.CountTokens(text), Ours.Value.Count(text));
    }

    [Theory]
    [MemberData(nameof(LongInputs))]
    public void LongInput_CountsLikeMicrosoft(string text)
    {
        Assert.Equal(Microsoft.Value.CountTokens(text), Ours.Value.Count(text));
    }

    [Fact]
    public void RankedTiktokenFile_Loads()
    {
        var vocabulary = O200kVocabulary.Load(() => Deflated("Capacity: 3\r\nYQ== 0\r\nYg== 1\r\nYWI= 2\r\n"));
        Assert.Equal(3, vocabulary.Count);
        Assert.Equal(2, vocabulary.RankOf("ab"u8));
        Assert.Equal(1, vocabulary.RankOf("b"u8));
        Assert.Equal(-1, vocabulary.RankOf("ba"u8));
    }

    [Fact]
    public void TiktokenFileWithRankOutOfOrder_IsRejected()
    {
        Assert.Throws<InvalidDataException>(() => O200kVocabulary.Load(() => Deflated("YQ== 0\nYg== 2\n")));
    }

    /// <summary>
    /// Fragments of everything the o200k pattern treats differently: letter case runs and contractions, digits,
    /// punctuation with slashes and line ends, whitespace runs, accents and combining marks, CJK and other scripts, emoji
    /// (pairs, ZWJ, flags), lone surrogates, U+FFFD, the special tokens and near misses.
    /// </summary>
    private static readonly string[] Fragments =
    [
        "the", "The", "HELLO", "camelCase", "XMLHttp", "naïve", "Ünïcödé", "don't", "I'M", "we'll", "they've", "'s", "'d", "x'LL",
        "'re", "café", "e\u0301", "ǅ", "中文", "日本語のテキスト", "한국어", "Привет", "مرحبا", "😀", "👩‍💻", "🇫🇷", "\ud800", "\udfff", "\ufffd",
        "<|endoftext|>", "<|endofprompt|>", "<|", "|>", "123", "4567890", "3.14", "...", "!!!", "///", "/\n", "?!\r\n", "{\"a\":1}",
        " ", "  ", "\t", "\n", "\r\n", "\n\n\n", " \n ", "\u00a0", "\u3000", "\r",
    ];

    /// <summary>Random text from the fragments, lowercase words, digit runs and arbitrary UTF-16 code units.</summary>
    private static readonly Gen<string> Text = Gen.Frequency(
            (6, Gen.OneOf(Fragments)),
            (2, Gen.Char['a', 'z'].Array[1, 12].Select(chars => new string(chars))),
            (1, Gen.Char["0123456789 ,.-"].Array[1, 12].Select(chars => new string(chars))),
            (1, Gen.Char.Array[1, 6].Select(chars => new string(chars))))
        .Array[0, 40]
        .Select(parts => string.Concat(parts));

    /// <summary>
    /// Microsoft counts a special token as one only while it sits in its tokenizer's LRU piece cache (8192 entries), so a
    /// long-used instance may not; the default, as a fresh instance shows it, is one.
    /// </summary>
    private static int Expected(string text) =>
        text.Contains("<|", StringComparison.Ordinal) ? FreshMicrosoft().CountTokens(text) : Microsoft.Value.CountTokens(text);

    private static TiktokenTokenizer FreshMicrosoft() => TiktokenTokenizer.CreateForEncoding("o200k_base");

    private static string Repeat(string unit, int times) => new StringBuilder(unit.Length * times).Insert(0, unit, times).ToString();

    /// <summary>A tiktoken file's text, deflated as the data package stores it.</summary>
    internal static MemoryStream Deflated(string text)
    {
        var compressed = new MemoryStream();
        using (var deflate = new DeflateStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(Encoding.ASCII.GetBytes(text));
        }

        compressed.Position = 0;
        return compressed;
    }

    /// <summary>Every JSON string value and property name in the recorded requests, responses and stream events.</summary>
    private static List<string> FixtureTexts()
    {
        var texts = new List<string>();
        foreach (var file in Directory.EnumerateFiles(FixturesRoot.Path, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".json", StringComparison.Ordinal))
            {
                Collect(File.ReadAllText(file), texts);
            }
            else if (file.EndsWith(".sse", StringComparison.Ordinal) || file.EndsWith(".txt", StringComparison.Ordinal))
            {
                foreach (var line in File.ReadLines(file))
                {
                    var payload = line.StartsWith("data:", StringComparison.Ordinal) ? line[5..].Trim() : line.Trim();
                    if (payload.StartsWith('{') || (payload.StartsWith('[') && payload != "[DONE]"))
                    {
                        Collect(payload, texts);
                    }
                }
            }
        }

        return texts;
    }

    private static void Collect(string json, List<string> texts)
    {
        using var document = JsonDocument.Parse(json);
        Walk(document.RootElement, texts);

        static void Walk(JsonElement element, List<string> texts)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.String:
                    texts.Add(element.GetString()!);
                    break;
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        texts.Add(property.Name);
                        Walk(property.Value, texts);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item, texts);
                    }

                    break;
            }
        }
    }
}
