using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace MassRouter.ControlApi.Http;

/// <summary>
/// Turns the JSON path of a deserialisation error (<c>$.settings.headers['X-A']</c>, <c>$[1].weight</c>) into the field
/// name validation problems use (<c>settings.headers.X-A</c>, <c>[1].weight</c>) and what that field expects, from the
/// request type: clients learn which field was wrong without .NET's type names.
/// </summary>
internal static class JsonFieldPath
{
    /// <summary>The field named by <paramref name="path"/> (null for the whole body) and the type found there (null: unknown).</summary>
    public static (string? Field, Type? Type) Resolve(string? path, Type? bodyType)
    {
        var field = new StringBuilder();
        var type = bodyType;
        var i = path is ['$', ..] ? 1 : 0;
        while (path is not null && i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                type = Member(type, path[(i + 1)..end]);
                field.Append(field.Length == 0 ? "" : ".").Append(path, i + 1, end - i - 1);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                type = Member(type, path[(i + 2)..end]);
                field.Append(field.Length == 0 ? "" : ".").Append(path, i + 2, end - i - 2);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                type = type is null ? null : ElementType(type);
                field.Append(path, i, Math.Min(end + 1, path.Length) - i);
                i = end + 1;
            }
            else
            {
                return (path, null);
            }
        }

        return (field.Length == 0 ? null : field.ToString(), type);
    }

    /// <summary>
    /// What a number that did not fit its field should have been: the type's range for a decimal (a whole-number type says
    /// its range already, and a fraction sent for one fails the same way), else <see cref="Expectation"/>.
    /// </summary>
    public static string? RangeExpectation(Type? type)
    {
        var underlying = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return underlying == typeof(decimal)
            ? string.Create(CultureInfo.InvariantCulture, $"a number from {decimal.MinValue} to {decimal.MaxValue}")
            : Expectation(type);
    }

    /// <summary>What a JSON value for <paramref name="type"/> must be ("a number", "an array"), for an error message.</summary>
    public static string? Expectation(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => null,
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) => string.Create(CultureInfo.InvariantCulture, $"a whole number from {int.MinValue} to {int.MaxValue}"),
            _ when type == typeof(long) => string.Create(CultureInfo.InvariantCulture, $"a whole number from {long.MinValue} to {long.MaxValue}"),
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "a number",
            _ when type.IsPrimitive => "a whole number",
            _ when DictionaryValueType(type) is not null => "an object",
            _ when ElementType(type) is not null => "an array",
            _ when type.IsClass => "an object",
            _ => null,
        };
    }

    private static Type? Member(Type? type, string name)
    {
        if (type is null)
        {
            return null;
        }

        // Web defaults: camelCase names, matched without regard to case.
        return DictionaryValueType(type) ?? type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
    }

    private static Type? DictionaryValueType(Type type) =>
        (Generic(type, typeof(IReadOnlyDictionary<,>)) ?? Generic(type, typeof(IDictionary<,>)))?.GetGenericArguments()[1];

    private static Type? ElementType(Type type) =>
        type == typeof(string) ? null : type.IsArray ? type.GetElementType() : Generic(type, typeof(IEnumerable<>))?.GetGenericArguments()[0] ?? (typeof(IEnumerable).IsAssignableFrom(type) ? typeof(object) : null);

    private static Type? Generic(Type type, Type definition) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == definition
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
}
