namespace MassRouter.Simulator.Control;

/// <summary>The JSON shape of <c>GET /sim/requests/{id}</c>.</summary>
internal sealed record RecordedRequestView(
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    bool Aborted,
    bool Completed,
    DateTimeOffset? AbortedAt);
