namespace MassRouter.Gateway.Telemetry;

/// <summary>The access log: a JSON line per API request, bound from <c>MassRouter:AccessLog</c>. Off by default.</summary>
public sealed class AccessLogOptions
{
    /// <summary>Write a line per request to <c>/v1/...</c>.</summary>
    public bool Enabled { get; set; }

    /// <summary>The file lines are appended to; empty: standard output (where a container's log collector reads).</summary>
    public string Path { get; set; } = "";

    /// <summary>Lines waiting to be written at most; past it new ones are dropped (and counted in a warning), never the requests waiting.</summary>
    public int QueueCapacity { get; set; } = 10_000;
}
