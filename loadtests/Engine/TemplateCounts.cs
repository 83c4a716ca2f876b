namespace MassRouter.LoadTests.Engine;

/// <summary>Outcome counts of one request template (a model, key or fault kind).</summary>
internal struct TemplateCounts
{
    public long Ok;
    public long Failed;
    public long Limited;
}
