using HdrHistogram;

namespace MassRouter.LoadTests.Engine;

/// <summary>
/// Everything one in-flight request needs and records, owned by one request at a time (a closed-model worker, or rented from
/// the open model's pool), so recording takes no lock. The phase merges all contexts when it ends.
/// </summary>
internal sealed class WorkerContext
{
    public WorkerContext(Workload workload, int seed)
    {
        Contents = new BytesContent[workload.Templates.Length];
        for (var i = 0; i < Contents.Length; i++)
        {
            Contents[i] = new BytesContent(workload.Templates[i].Body);
        }

        PerTemplate = new TemplateCounts[workload.Templates.Length];
        Random = new Random(seed);
    }

    public byte[] Buffer { get; } = new byte[16 * 1024];

    public BytesContent[] Contents { get; }

    public SseScanner Sse { get; } = new();

    public Random Random { get; }

    public LongHistogram Latency { get; } = Stats.NewHistogram();

    public LongHistogram Ttft { get; } = Stats.NewHistogram();

    public LongHistogram Gaps { get; } = Stats.NewHistogram();

    public TemplateCounts[] PerTemplate { get; }

    public Dictionary<int, long> Statuses { get; } = [];

    public long Ok { get; set; }

    public long Failed { get; set; }

    public long Limited { get; set; }

    public long InjectedFailures { get; set; }

    public long Stalls { get; set; }

    public long Frames { get; set; }

    public long ContentFrames { get; set; }

    public string? LastError { get; set; }
}
