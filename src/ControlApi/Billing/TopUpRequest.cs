namespace MassRouter.ControlApi.Billing;

/// <summary>A top-up of <c>AmountUsd</c> dollars for the caller, or for a team (team admin or owner).</summary>
public sealed record TopUpRequest(decimal? AmountUsd, long? TeamId);
