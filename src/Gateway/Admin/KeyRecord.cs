using MassRouter.Core.Redis;

namespace MassRouter.Gateway.Admin;

/// <summary>A key record as docs/redis-layout.md defines it (<c>mr:key:&lt;hash&gt;</c>).</summary>
internal sealed record KeyRecord(string Id, string Account)
{
    public string? Name { get; init; }
    public string Status { get; init; } = RecordStatus.Active;
    public long ExpiresAt { get; init; }
    public IReadOnlyList<string> Models { get; init; } = [];
    public long Rpm { get; init; }
    public long Tpm { get; init; }
    public int MaxConcurrency { get; init; }
    public long DailyCapNanos { get; init; }
    public long MonthlyCapNanos { get; init; }
    public long EndUserDailyCapNanos { get; init; }
    public long EndUserMonthlyCapNanos { get; init; }
    public long EndUserRpm { get; init; }
}
