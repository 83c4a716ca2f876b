namespace MassRouter.LoadTests.Engine;

/// <summary>How one request ended.</summary>
internal enum Outcome
{
    Ok,
    Failed,
    Limited,
    InjectedFailure,
}
