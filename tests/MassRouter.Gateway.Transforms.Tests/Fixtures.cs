namespace MassRouter.Gateway.Transforms.Tests;

/// <summary>Locates the recorded provider fixtures copied into tests/fixtures.</summary>
internal static class Fixtures
{
    public static string Root { get; } = Find();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "providers");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/providers not found above " + AppContext.BaseDirectory);
    }
}
