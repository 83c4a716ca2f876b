namespace MassRouter.Gateway.Limits;

/// <summary>The verdict, how long to wait when rejected, and the limits state for the response headers.</summary>
internal readonly record struct AdmissionOutcome(AdmissionVerdict Verdict, long RetryAfterMs, RateLimitState State, long RejectedLimit = 0);
