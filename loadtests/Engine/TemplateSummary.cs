namespace MassRouter.LoadTests.Engine;

/// <summary>Outcome counts of one request template in a phase result.</summary>
internal sealed record TemplateSummary(long Ok, long Failed, long Limited);
