using BenchmarkDotNet.Attributes;
using MassRouter.Core.Usage;
using MassRouter.Gateway.Metering;
using Microsoft.Extensions.Logging.Abstractions;

namespace MassRouter.Benchmarks;

/// <summary>
/// What settlement added to the request thread: the journal append after the response's last byte (serialize a typical
/// settlement into a per-thread buffer, one copy into the mapped segment). <c>AppendThenComplete</c> is the
/// low-traffic worst case (the completion zeroes the idle segment's line every time); <c>Append</c> amortises the
/// completions over a burst of 64, as under load.
/// </summary>
[MemoryDiagnoser]
public class SettlementJournalBenchmarks
{
    private const int Burst = 64;

    private readonly JournalSegment?[] _entries = new JournalSegment?[Burst];
    private string _directory = "";
    private SettlementJournal _journal = null!;
    private Settlement _settlement = null!;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "massrouter-bench-journal-" + Guid.NewGuid().ToString("N"));
        _journal = new SettlementJournal(_directory, NullLogger.Instance);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _settlement = new Settlement(
            new UsageEvent
            {
                Id = Guid.CreateVersion7().ToString("N"),
                RequestId = "req_" + Guid.NewGuid().ToString("N"),
                KeyId = "key_3f9a1c2b7d",
                Account = "u_8c1d2e3f4a5b",
                Model = "gpt-4o-mini",
                Provider = "openai",
                UpstreamModel = "gpt-4o-mini-2024-07-18",
                PromptTokens = 1_234,
                CompletionTokens = 567,
                CachedTokens = 128,
                CostNanos = 525_300,
                Status = UsageStatus.Ok,
                HttpStatus = 200,
                StartedAt = now - 2_345,
                EndedAt = now,
                LatencyMs = 2_345,
                TtftMs = 180,
            },
            KeyTpm: 100_000,
            TokenDelta: 600);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public void AppendThenComplete() => _journal.Complete(_journal.Append(_settlement, out _));

    [Benchmark(OperationsPerInvoke = Burst)]
    public void Append()
    {
        for (var i = 0; i < Burst; i++)
        {
            _entries[i] = _journal.Append(_settlement, out _);
        }

        for (var i = 0; i < Burst; i++)
        {
            _journal.Complete(_entries[i]);
        }
    }
}
