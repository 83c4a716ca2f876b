using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Http;

/// <summary>Collects per-field validation messages for an RFC 9457 validation problem.</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public ValidationErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    public ValidationErrors Check(bool condition, string field, string message) => condition ? this : Add(field, message);

    public ValidationErrors NotNegative(long? value, string field) => Check(value is null or >= 0, field, "Must be zero (unlimited) or positive.");

    public ValidationErrors Text(string? value, string field, int maxLength, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? Add(field, "Is required.") : this;
        }

        return Check(value.Length <= maxLength, field, $"Must be at most {maxLength} characters.");
    }

    /// <summary>The problem: each field's messages, and all of them in <c>detail</c> for clients that show only that.</summary>
    public ValidationProblem Problem() =>
        TypedResults.ValidationProblem(
            _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
            detail: string.Join(" ", _errors.SelectMany(e => e.Value.Select(message => $"{e.Key}: {char.ToLowerInvariant(message[0])}{message[1..]}"))));
}
