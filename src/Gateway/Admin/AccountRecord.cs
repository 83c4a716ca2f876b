using MassRouter.Core.Redis;

namespace MassRouter.Gateway.Admin;

/// <summary>An account record as docs/redis-layout.md defines it (<c>mr:{a:ID}:account</c>), without its balance.</summary>
internal sealed record AccountRecord(string Id)
{
    public string Status { get; init; } = RecordStatus.Active;
    public long Rpm { get; init; }
    public long Tpm { get; init; }
    public long DailyCapNanos { get; init; }
    public long MonthlyCapNanos { get; init; }
    public bool Paid { get; init; }
}
