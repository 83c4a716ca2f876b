using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Replay;

/// <summary>Writes a fixture byte for byte, one flush per event, applying the request's pacing and stream faults per event.</summary>
internal sealed class FixtureReplayer
{
    private readonly HoldGates _gates;

    public FixtureReplayer(HoldGates gates) => _gates = gates;

    public async Task ReplayAsync(HttpContext context, ReplayFixture fixture, RequestControl control, IProviderSimulator provider)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        var faults = control.Faults;
        var pacer = Pacer.Start(control.ReplayTimeToFirstTokenMs, control.ReplayInterTokenIntervalMs);

        if (fixture.EventEnds is not { } ends)
        {
            if (faults is not null)
            {
                if (!await faults.ContinueBeforeBodyAsync(context, _gates))
                {
                    return;
                }

                if (faults.MidstreamErrorAfter is not null)
                {
                    await provider.WriteErrorAsync(context, StatusCodes.Status500InternalServerError);
                    return;
                }
            }

            await pacer.WaitForChunkAsync(0, cancellationToken);
            response.StatusCode = fixture.StatusCode;
            response.ContentType = fixture.ContentType;
            response.ContentLength = fixture.Body.Length;
            await response.BodyWriter.WriteAsync(fixture.Body, cancellationToken);
            return;
        }

        response.StatusCode = fixture.StatusCode;
        response.ContentType = fixture.ContentType;
        if (faults is not null && !await faults.ContinueAfterChunkAsync(context, 0, ends.Length == 0, provider.MidstreamErrorEvent, _gates))
        {
            return;
        }

        var start = 0;
        for (var i = 0; i < ends.Length; i++)
        {
            await pacer.WaitForChunkAsync(i, cancellationToken);
            var flush = await response.BodyWriter.WriteAsync(fixture.Body.AsMemory(start, ends[i] - start), cancellationToken);
            start = ends[i];
            if (!Exchange.ClientGone.CanContinue(context, flush))
            {
                return;
            }

            if (faults is not null
                && !await faults.ContinueAfterChunkAsync(context, i + 1, i + 1 == ends.Length, provider.MidstreamErrorEvent, _gates))
            {
                return;
            }
        }
    }
}
