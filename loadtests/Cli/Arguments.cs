using System.Globalization;

namespace MassRouter.LoadTests.Cli;

/// <summary>Parses <c>command [positional] --name value --flag</c>; options may repeat (<c>--target</c>).</summary>
internal sealed class Arguments
{
    private static readonly HashSet<string> _flags = new(StringComparer.OrdinalIgnoreCase) { "smoke", "help" };
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.OrdinalIgnoreCase);

    public Arguments(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string value;
            var eq = name.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            else if (_flags.Contains(name))
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option --{name} needs a value.");
            }

            if (!_options.TryGetValue(name, out var values))
            {
                _options[name] = values = [];
            }

            values.Add(value);
        }
    }

    public List<string> Positional { get; } = [];

    public string? Get(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> All(string name) => _options.TryGetValue(name, out var values) ? values : [];

    public bool Has(string name) => _options.ContainsKey(name);

    public TimeSpan? Seconds(string name) =>
        Get(name) is { } value ? TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) : null;

    public int? Int(string name) => Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : null;

    public double? Double(string name) => Get(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : null;

    public IReadOnlyList<string> List(string name) =>
        [.. All(name).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
}
