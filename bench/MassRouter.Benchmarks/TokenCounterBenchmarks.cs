using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Metering;
using Microsoft.ML.Tokenizers;

namespace MassRouter.Benchmarks;

/// <summary>
/// Counting the o200k_base tokens of a ~2 KB chat prompt: Microsoft.ML.Tokenizers against the gateway's compact counter,
/// its vocabulary on the heap (a pinned block) and mapped from a file (the gateway's default).
/// </summary>
[MemoryDiagnoser]
public class TokenCounterBenchmarks
{
    private const string Prompt = """
        You are a careful assistant for an online bookshop. Answer in the customer's language, keep answers under 200 words,
        and never invent order numbers. If you are unsure, say so and offer to hand the conversation to a human colleague.

        Customer: Hi! I ordered three books on 12 March (order #58213-B): "The Pragmatic Programmer", "Designing Data-Intensive
        Applications" and a used copy of "Gödel, Escher, Bach". Only two arrived yesterday, and the parcel was damaged — the
        corner of one cover is bent. I'd like to know where the third one is, and whether I can get a 15% discount or a
        replacement for the damaged book. I've attached photos. Also, can you tell me if the second edition of DDIA is out
        yet, and when it'll ship to Zürich? Thanks a lot, Zoë 😊

        Policy reminder: do not share other customers' data; quote prices in the customer's currency (CHF for Switzerland);
        for shipping questions check the carrier's status page first, then the warehouse log, then escalate.

        Assistant (draft notes): order lookup → status "partially shipped"; split shipment, tracking 1Z999AA10123456784;
        expected 2-4 business days. Damage policy: replacement or refund within 30 days, photos required (received: 2 files,
        IMG_2024.jpg and IMG_2025.jpg). Discount requests above 10% need approval from a supervisor.

        ```json
        {"order": "58213-B", "items": [{"sku": "978-0135957059", "qty": 1}, {"sku": "978-1449373320", "qty": 1}], "total": 87.40}
        ```

        Customer (follow-up): Also — 日本語の翻訳版はありますか? My colleague in Tokyo asked. Please reply before Friday!
        One more thing: last year you sent me a voucher (code SPRING-2024-XK7) worth CHF 25.00, but the checkout page said
        "invalid or expired" when I tried it on 3/11. Is there any way to reactivate it? I've been a customer since 2016 and
        have spent well over 1,200 francs with you, so I'd really appreciate it. Best regards, and have a nice weekend!
        """;

    private readonly Tokenizer _microsoft = TiktokenTokenizer.CreateForEncoding("o200k_base");
    private readonly O200kTokenCounter _ours = O200kTokenCounter.Load();
    private readonly O200kTokenCounter _mapped = new(O200kVocabularyFile.Open(
        Path.Combine(Path.GetTempPath(), $"massrouter-bench-{Environment.ProcessId}.vocab"), global::Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));

    [Benchmark(Baseline = true)]
    public int Microsoft() => _microsoft.CountTokens(Prompt);

    [Benchmark]
    public int Compact() => _ours.Count(Prompt);

    [Benchmark]
    public int CompactMapped() => _mapped.Count(Prompt);
}
