namespace MassRouter.Gateway.Transforms.Tests;

/// <summary>Locates the recorded provider fixtures copied into tests/fixtures.</summary>
internal static class Fixtures
{
    public static string Root => MassRouter.Tests.FixturesRoot.Path;

    public static string PathOf(string relative) => Path.Combine(Root, relative);
}
