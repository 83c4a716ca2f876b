using System.Net;

namespace MassRouter.LoadTests.Engine;

/// <summary>Sends one request from a template and records its outcome into the worker's context.</summary>
internal static class Executor
{
    public static async Task ExecuteAsync(
        HttpClient client, RequestTemplate template, int templateIndex, WorkerContext context, long intendedStart, bool measured,
        long stallTicks, Timeline timeline, CancellationToken cancellationToken)
    {
        // HttpRequestMessage.Dispose would dispose the reused content: the message is left to the GC on purpose.
        var request = new HttpRequestMessage(HttpMethod.Post, template.Uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = context.Contents[templateIndex],
        };
        var headers = template.Headers;
        for (var i = 0; i < headers.Length; i++)
        {
            request.Headers.TryAddWithoutValidation(headers[i].Key, headers[i].Value);
        }

        var status = 0;
        var success = false;
        var sse = context.Sse;
        sse.Reset();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            status = (int)response.StatusCode;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = context.Buffer;
            if (template.Streaming && status == 200)
            {
                var gaps = measured ? context.Gaps : null;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    sse.Feed(buffer.AsSpan(0, read), Clock.Now, gaps);
                }

                success = sse.Done && !sse.ErrorFrame && (template.ExpectedContentFrames == 0 || sse.ContentFrames == template.ExpectedContentFrames);
                if (!success)
                {
                    context.LastError = $"incomplete stream: {sse.ContentFrames} content frames, done={sse.Done}, error frame={sse.ErrorFrame}";
                }
            }
            else
            {
                while (await body.ReadAsync(buffer, cancellationToken) > 0)
                {
                }

                success = status is >= 200 and < 300;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            context.LastError = ex.GetType().Name + ": " + ex.Message;
        }

        var end = Clock.Now;
        var latency = Clock.Microseconds(end - intendedStart);
        timeline.Record(end, success, latency);
        if (!measured)
        {
            return;
        }

        var outcome = success ? Outcome.Ok
            : status == 429 ? Outcome.Limited
            : template.ExpectFailure ? Outcome.InjectedFailure
            : Outcome.Failed;
        if (outcome == Outcome.Failed && status != 0 && context.LastError is null)
        {
            context.LastError = "HTTP " + status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        ref var counts = ref context.PerTemplate[templateIndex];
        switch (outcome)
        {
            case Outcome.Ok:
                context.Ok++;
                counts.Ok++;
                Stats.Record(context.Latency, latency);
                break;
            case Outcome.Limited:
                context.Limited++;
                counts.Limited++;
                break;
            case Outcome.InjectedFailure:
                context.InjectedFailures++;
                counts.Failed++;
                break;
            default:
                context.Failed++;
                counts.Failed++;
                break;
        }

        context.Statuses[status] = context.Statuses.GetValueOrDefault(status) + 1;
        if (template.Streaming)
        {
            context.Frames += sse.Frames;
            context.ContentFrames += sse.ContentFrames;
            if (sse.FirstContent != 0)
            {
                Stats.Record(context.Ttft, Clock.Microseconds(sse.FirstContent - intendedStart));
            }

            if (stallTicks > 0 && sse.MaxGap > stallTicks)
            {
                context.Stalls++;
            }
        }
    }
}
