namespace MassRouter.ControlApi.Redis;

/// <summary>The control-plane-owned fields of <c>mr:{a:ID}:account</c> (the balance is moved separately).</summary>
internal sealed record AccountRecord(string Status, long Rpm = 0, long Tpm = 0, long DailyCapNanos = 0, long MonthlyCapNanos = 0, bool Paid = false);
