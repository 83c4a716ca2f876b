using System.Buffers;
using System.Text;

namespace MassRouter.Gateway.Transforms.Ingress.Responses;

/// <summary>
/// The Responses API's namespace tools (a named group of function tools, called as <c>{"namespace","name"}</c>) on chat
/// APIs, which have flat function names: a namespaced function goes out as <c>namespace__name</c>, and a call of that name
/// comes back as the namespaced call, for the namespaces the request declared (a name that merely contains <c>__</c> stays
/// as it is).
/// </summary>
public sealed class ToolNamespaces
{
    /// <summary>Between a namespace and a function's name in the flat name.</summary>
    public const string Separator = "__";

    private readonly string[] _textPrefixes;
    private readonly byte[][] _prefixes;

    /// <summary>Creates the set for the namespaces a request declared.</summary>
    public ToolNamespaces(IEnumerable<string> names)
    {
        _textPrefixes = names.Distinct(StringComparer.Ordinal).Select(n => n + Separator).ToArray();
        _prefixes = _textPrefixes.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>No namespace: every name is written as it is.</summary>
    public static ToolNamespaces None { get; } = new([]);

    /// <summary>True when the request declared none.</summary>
    public bool IsEmpty => _prefixes.Length == 0;

    /// <summary>The flat chat name of <paramref name="name"/> in <paramref name="space"/>.</summary>
    public static string Flatten(string space, string name) => space + Separator + name;

    /// <summary>True with the namespace and the function's own name when <paramref name="flat"/> is in a declared namespace.</summary>
    public bool TrySplit(string flat, out string space, out string name)
    {
        foreach (var prefix in _textPrefixes)
        {
            if (flat.Length > prefix.Length && flat.StartsWith(prefix, StringComparison.Ordinal))
            {
                space = flat[..(prefix.Length - Separator.Length)];
                name = flat[prefix.Length..];
                return true;
            }
        }

        space = name = string.Empty;
        return false;
    }

    /// <summary>
    /// Writes a function call's name members from the flat name's escaped JSON string bytes: <c>"namespace":"ns","name":"f"</c>
    /// for a declared namespace, else <c>"name":"..."</c>.
    /// </summary>
    public void WriteName(IBufferWriter<byte> output, ReadOnlySpan<byte> escapedName)
    {
        foreach (var prefix in _prefixes)
        {
            if (escapedName.Length > prefix.Length && escapedName.StartsWith(prefix))
            {
                output.Write("\"namespace\":\""u8);
                output.Write(prefix.AsSpan(0, prefix.Length - Separator.Length));
                output.Write("\",\"name\":\""u8);
                output.Write(escapedName[prefix.Length..]);
                output.Write("\""u8);
                return;
            }
        }

        output.Write("\"name\":\""u8);
        output.Write(escapedName);
        output.Write("\""u8);
    }
}
