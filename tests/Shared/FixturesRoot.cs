namespace MassRouter.Tests;

/// <summary>Finds tests/fixtures/providers above the test binaries (a linked file shared by the test projects).</summary>
internal static class FixturesRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "fixtures", "providers");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/fixtures/providers not found above " + AppContext.BaseDirectory);
    }
}
