using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace MassRouter.ControlApi.Http;

/// <summary>
/// Answers input that never reaches a handler — a body that is not JSON, a field of the wrong type, no body, another
/// content type, a body over the limit, a query value that does not parse — with the RFC 9457 problem the handlers'
/// own validation uses (400 naming the field, 415, 413), instead of the framework's bare status. Nothing is written:
/// the handler does not run.
/// </summary>
internal static class MalformedInput
{
    /// <summary>The largest request body the control API reads; its requests are small JSON documents.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    private const string BodyField = "body";
    private const string NotJson = "The request body must be JSON (Content-Type: application/json).";

    /// <summary>
    /// Caps the group's request bodies and wraps its endpoints. Needs <see cref="RouteHandlerOptions.ThrowOnBadRequest"/>
    /// (set by <c>AddControlApi</c>): only the exception says which parameter or field failed.
    /// </summary>
    public static TBuilder AnswerMalformedInput<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new BodySizeLimit(MaxBodyBytes));
        builder.Add(endpoint =>
        {
            if (endpoint.RequestDelegate is { } next)
            {
                endpoint.RequestDelegate = context => InvokeAsync(context, next);
            }
        });
        return builder;
    }

    /// <summary>
    /// Says what was wrong in the problems the framework writes with no detail, through the status-code pages: routing
    /// itself answers 415 for a body of another content type (before any endpoint runs), 405 with <c>Allow</c> for a path
    /// that takes other methods, and 404 when no endpoint matched at all.
    /// </summary>
    public static void FillDetail(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var request = http.Request;
        problem.Detail ??= problem.Status switch
        {
            StatusCodes.Status415UnsupportedMediaType => NotJson,
            StatusCodes.Status413PayloadTooLarge => TooLargeDetail(http),
            StatusCodes.Status405MethodNotAllowed when http.Response.Headers.Allow is { Count: > 0 } allow =>
                RoutingMisses.MethodNotAllowed(request.Method, request.PathBase + request.Path, allow.ToString()),
            // An endpoint's own 404 (an id that is not there) says what was not found; this is a path that has none.
            StatusCodes.Status404NotFound when http.GetEndpoint() is null => RoutingMisses.NotFound(request.Method, request.PathBase + request.Path),
            _ => null,
        };
    }

    private static async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        IResult? problem;
        try
        {
            await next(context);

            // A body over the limit is not thrown: the framework sets 413 and returns.
            problem = !context.Response.HasStarted && context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge(context) : null;
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            problem = ex.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => TooLarge(context),
                StatusCodes.Status415UnsupportedMediaType => UnsupportedMediaType(),
                _ => Describe(context, ex),
            };
        }

        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
        }
    }

    private static IResult Describe(HttpContext context, BadHttpRequestException ex)
    {
        var endpoint = context.GetEndpoint();
        var bodyType = endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        if (ex.InnerException is JsonException json)
        {
            // The reader's own exception inside: the text is not JSON at all (else a value did not fit its field).
            if (json.InnerException is JsonException)
            {
                var at = json.LineNumber is { } line && json.BytePositionInLine is { } position
                    ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {position + 1})")
                    : "";
                return Invalid(BodyField, $"Is not valid JSON{at}.");
            }

            // A number token its field cannot hold (1e40 for a decimal, 1.5 for an integer) comes as a FormatException;
            // a token of another kind ("abc" for a number) as an InvalidOperationException.
            var (field, type) = JsonFieldPath.Resolve(json.Path, bodyType);
            var expectation = json.InnerException is FormatException ? JsonFieldPath.RangeExpectation(type) : JsonFieldPath.Expectation(type);
            return (field, expectation) switch
            {
                (null, { } expected) => Invalid(BodyField, $"Expected a JSON {Noun(expected)}."),
                (_, { } expected) => Invalid(field, $"Expected {expected}."),
                _ => Invalid(field ?? BodyField, "Has the wrong type."),
            };
        }

        if (UnparsableParameter(context, endpoint?.Metadata.GetMetadata<MethodInfo>()) is { } parameter)
        {
            return Invalid(parameter.Name, $"Expected {parameter.Expected}.");
        }

        // What is left is a missing body (none, or JSON null) where the endpoint needs one.
        return bodyType is not null
            ? Invalid(BodyField, $"A JSON {Noun(JsonFieldPath.Expectation(bodyType) ?? "a body")} is required.")
            : Invalid("request", "Could not be read.");
    }

    /// <summary>The first route or query value that does not parse as its handler parameter's type.</summary>
    private static (string Name, string Expected)? UnparsableParameter(HttpContext context, MethodInfo? handler)
    {
        foreach (var parameter in handler?.GetParameters() ?? [])
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            var name = parameter.GetCustomAttribute<FromQueryAttribute>()?.Name ?? parameter.Name;
            if (name is null || !type.IsPrimitive && type != typeof(decimal))
            {
                continue;
            }

            var value = context.Request.RouteValues.TryGetValue(name, out var route) ? Convert.ToString(route, CultureInfo.InvariantCulture)
                : context.Request.Query.TryGetValue(name, out var query) ? query.ToString()
                : null;
            if (value is not null && !Parses(type, value))
            {
                return (name, JsonFieldPath.Expectation(type) ?? "another value");
            }
        }

        return null;
    }

    private static bool Parses(Type type, string value) => type switch
    {
        _ when type == typeof(long) => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(int) => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(decimal) => decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _),
        _ when type == typeof(bool) => bool.TryParse(value, out _),
        _ => true,
    };

    /// <summary>"an array" → "array".</summary>
    private static string Noun(string expectation) => expectation.Split(' ', 2)[^1];

    private static IResult Invalid(string field, string message) =>
        new ValidationErrors().Add(field, message).Problem();

    private static IResult UnsupportedMediaType() =>
        TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type", detail: NotJson);

    private static IResult TooLarge(HttpContext context) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Payload Too Large", detail: TooLargeDetail(context));

    private static string TooLargeDetail(HttpContext context) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"The request body is larger than {context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? MaxBodyBytes} bytes.");
}
