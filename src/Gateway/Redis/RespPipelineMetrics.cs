using Prometheus;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// The request-path pipeline's Prometheus series, read from it at scrape time: whether it is carrying admission and
/// settlement (else StackExchange.Redis is), the commands it took, and its connection losses by cause.
/// </summary>
internal static class RespPipelineMetrics
{
    public static void Register(CollectorRegistry registry, RespPipeline pipeline)
    {
        var factory = Telemetry.GatewayMetrics.Factory(registry);
        var up = factory.CreateGauge(
            "massrouter_redis_pipeline_up",
            "1 while admission and settlement go over the request-path Redis pipeline; 0 while StackExchange.Redis carries them (disabled, TLS/Sentinel/Cluster, or reconnecting).");
        var commands = factory.CreateCounter("massrouter_redis_pipeline_commands_total", "Commands sent on the request-path Redis pipeline.");
        var losses = factory.CreateCounter(
            "massrouter_redis_pipeline_disconnects_total", "Connections of the request-path Redis pipeline lost, by cause (timeout, connection).", "cause");
        var calls = factory.CreateCounter(
            "massrouter_redis_pipeline_script_calls_total", "Batched script calls on the request-path Redis pipeline, by script (admission, settlement).", "script");
        var items = factory.CreateCounter(
            "massrouter_redis_pipeline_script_items_total",
            "Requests carried by those calls, by script: items / calls is the mean batch (1 at low load; a burst shares one call).",
            "script");
        var timeouts = losses.WithLabels("timeout");
        var dropped = losses.WithLabels("connection");
        registry.AddBeforeCollectCallback(() =>
        {
            up.Set(pipeline.IsUsable ? 1 : 0);
            commands.IncTo(pipeline.Sent);
            timeouts.IncTo(pipeline.Timeouts);
            dropped.IncTo(pipeline.Disconnects - pipeline.Timeouts);
            foreach (var batcher in pipeline.Batchers)
            {
                calls.WithLabels(batcher.Name).IncTo(batcher.Batches);
                items.WithLabels(batcher.Name).IncTo(batcher.Items);
            }
        });
    }
}
