using MassRouter.Simulator.Faults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MassRouter.Simulator.Control;

/// <summary>The <c>/sim/*</c> endpoints tests use to inspect recorded requests and release held streams.</summary>
internal static class ControlApi
{
    private const int DefaultAbortWaitMs = 5000;

    public static IEndpointRouteBuilder MapSimulatorControl(this IEndpointRouteBuilder endpoints, RequestJournal journal, HoldGates gates)
    {
        var group = endpoints.MapGroup("/sim");

        group.MapGet("/requests/{id}", Results<Ok<RecordedRequestView>, NotFound> (string id) =>
            journal.Find(id) is { } record ? TypedResults.Ok(record.ToView()) : TypedResults.NotFound());

        group.MapGet("/requests/{id}/aborted", async Task<JsonHttpResult<AbortedView>> (string id, int? timeoutMs, CancellationToken cancellationToken) =>
        {
            var record = journal.GetOrAdd(id);
            try
            {
                await record.Aborted.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(0, timeoutMs ?? DefaultAbortWaitMs)), cancellationToken);
                return TypedResults.Json(new AbortedView(true));
            }
            catch (TimeoutException)
            {
                return TypedResults.Json(new AbortedView(false), statusCode: StatusCodes.Status408RequestTimeout);
            }
        });

        group.MapPost("/release/{id}", Ok (string id) =>
        {
            gates.Release(id);
            return TypedResults.Ok();
        });

        return endpoints;
    }
}
