using System.Buffers;
using System.IO.Pipelines;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Replay;
using Microsoft.AspNetCore.Connections.Features;

namespace MassRouter.Simulator.Exchange;

/// <summary>
/// The steps every simulated provider call goes through: record (when asked), read the body, apply the control headers,
/// then answer with a fault, a fixture replay or the provider's generated answer.
/// </summary>
internal sealed class SimulatedExchange
{
    private readonly SimulatorOptions _options;
    private readonly RequestJournal _journal;
    private readonly FixtureStore _fixtures;
    private readonly FixtureReplayer _replayer;

    public SimulatedExchange(SimulatorOptions options, RequestJournal journal, FixtureStore fixtures, FixtureReplayer replayer)
    {
        _options = options;
        _journal = journal;
        _fixtures = fixtures;
        _replayer = replayer;
    }

    public async Task RunAsync(HttpContext context, IProviderSimulator provider, string? routeModel)
    {
        var record = _journal.Begin(context);
        byte[]? rented = null;
        try
        {
            // Copied into a pooled buffer and consumed up front, so Kestrel's input buffers are free while the answer streams.
            var reader = context.Request.BodyReader;
            var read = await ReadToEndAsync(reader, context.RequestAborted);
            var length = checked((int)read.Buffer.Length);
            rented = ArrayPool<byte>.Shared.Rent(length);
            read.Buffer.CopyTo(rented);
            reader.AdvanceTo(read.Buffer.End);

            var body = new ReadOnlySequence<byte>(rented, 0, length);
            record?.SetBody(body);
            await DispatchAsync(context, provider, body, routeModel);
            if (record is not null && !context.RequestAborted.IsCancellationRequested && !FaultPlan.WasReset(context) && !ClientGone.Was(context))
            {
                record.MarkCompleted();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (or a reset fault aborted the connection): nothing left to answer.
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            record?.Detach(aborted: context.RequestAborted.IsCancellationRequested || FaultPlan.WasReset(context) || ClientGone.Was(context));
        }
    }

    private async Task DispatchAsync(HttpContext context, IProviderSimulator provider, ReadOnlySequence<byte> body, string? routeModel)
    {
        if (!RequestControl.TryRead(context.Request.Headers, _options, out var control, out var headerError))
        {
            await JsonResponse.WriteSimulatorErrorAsync(context, StatusCodes.Status400BadRequest, headerError!.Message, headerError.Header);
            return;
        }

        // Kestrel only raises RequestAborted for an HTTP/1.1 client that went away when it next writes; a request that
        // may sit idle (held, slow, paced, recorded) turns the connection closing into a real abort right away.
        using var connectionWatch = MayIdle(context, control) ? AbortWhenConnectionCloses(context) : default;

        if (control.Faults is { } faults)
        {
            if (faults.SlowHeadersMs > 0)
            {
                await Task.Delay(faults.SlowHeadersMs, context.RequestAborted);
            }

            if (faults.Status is { } status)
            {
                await provider.WriteErrorAsync(context, status);
                return;
            }

            if (faults.ContextLength)
            {
                await provider.WriteContextLengthErrorAsync(context);
                return;
            }
        }

        if (control.FixturePath is { } fixturePath)
        {
            var lookup = _fixtures.TryGet(fixturePath, out var fixture);
            switch (lookup)
            {
                case FixtureLookup.Found:
                    await _replayer.ReplayAsync(context, fixture!, control, provider);
                    return;
                case FixtureLookup.Disabled:
                    await JsonResponse.WriteSimulatorErrorAsync(
                        context, StatusCodes.Status400BadRequest, "Fixture replay is disabled: SimulatorOptions.FixturesPath is not set.", SimulatorHeaders.Fixture);
                    return;
                case FixtureLookup.OutsideRoot:
                    await JsonResponse.WriteSimulatorErrorAsync(
                        context, StatusCodes.Status400BadRequest, $"Fixture path '{fixturePath}' is not a relative path inside the fixtures root.", SimulatorHeaders.Fixture);
                    return;
                default:
                    await JsonResponse.WriteSimulatorErrorAsync(
                        context, StatusCodes.Status404NotFound, $"Fixture '{fixturePath}' does not exist under the fixtures root.", SimulatorHeaders.Fixture);
                    return;
            }
        }

        await provider.GenerateAsync(context, body, control, routeModel);
    }

    private static bool MayIdle(HttpContext context, RequestControl control) =>
        control.Faults is not null
        || control.Generation.TimeToFirstTokenMs > 0
        || control.Generation.InterTokenIntervalMs > 0
        || control.ReplayTimeToFirstTokenMs > 0
        || control.ReplayInterTokenIntervalMs > 0
        || context.Request.Headers.ContainsKey(SimulatorHeaders.RequestId);

    /// <summary>Aborts the request as soon as its connection closes, even while nothing is being written; dispose to stop.</summary>
    public static CancellationTokenRegistration AbortWhenConnectionCloses(HttpContext context) =>
        context.Features.Get<IConnectionLifetimeFeature>() is { } lifetime
            ? lifetime.ConnectionClosed.UnsafeRegister(static state => ((HttpContext)state!).Abort(), context)
            : default;

    private static async ValueTask<ReadResult> ReadToEndAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            if (result.IsCompleted || result.IsCanceled)
            {
                return result;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
