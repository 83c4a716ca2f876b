using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.ControlApi.Http;

/// <summary>RFC 9457 problem results used across the API.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string what) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"{what} was not found.");

    public static ProblemHttpResult Forbidden(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);

    public static ProblemHttpResult Conflict(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: detail);

    public static ProblemHttpResult Unauthorized(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    public static ProblemHttpResult PaymentFailed(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status402PaymentRequired, title: "Payment failed", detail: detail);

    public static ProblemHttpResult PaymentPending(string detail) => TypedResults.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "Payment pending", detail: detail);
}
