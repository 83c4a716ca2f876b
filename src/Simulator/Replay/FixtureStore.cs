using System.Collections.Concurrent;

namespace MassRouter.Simulator.Replay;

/// <summary>Resolves <c>x-sim-fixture</c> paths under the fixtures root and keeps each loaded fixture for the process lifetime.</summary>
internal sealed class FixtureStore
{
    private readonly string? _root;
    private readonly ConcurrentDictionary<string, ReplayFixture> _cache = new(StringComparer.Ordinal);

    public FixtureStore(string? fixturesPath)
    {
        _root = fixturesPath is null
            ? null
            : Path.TrimEndingDirectorySeparator(Path.GetFullPath(fixturesPath)) + Path.DirectorySeparatorChar;
    }

    public FixtureLookup TryGet(string relativePath, out ReplayFixture? fixture)
    {
        fixture = null;
        if (_root is null)
        {
            return FixtureLookup.Disabled;
        }

        if (_cache.TryGetValue(relativePath, out fixture))
        {
            return FixtureLookup.Found;
        }

        var normalized = relativePath.Replace('\\', '/');
        if (Path.IsPathRooted(normalized) || normalized.Split('/').Contains(".."))
        {
            return FixtureLookup.OutsideRoot;
        }

        var fullPath = Path.GetFullPath(Path.Combine(_root, normalized));
        if (!fullPath.StartsWith(_root, StringComparison.Ordinal))
        {
            return FixtureLookup.OutsideRoot;
        }

        if (!File.Exists(fullPath))
        {
            return FixtureLookup.NotFound;
        }

        fixture = _cache.GetOrAdd(relativePath, _ => FixtureLoader.Load(fullPath, normalized));
        return FixtureLookup.Found;
    }
}
