using System.Collections.Concurrent;
using Microsoft.Extensions.Primitives;

namespace MassRouter.Simulator.Control;

/// <summary>Requests that carried <c>x-sim-request-id</c>, by id; requests without it are never touched.</summary>
internal sealed class RequestJournal
{
    private readonly ConcurrentDictionary<string, RecordedRequest> _records = new(StringComparer.Ordinal);

    /// <summary>Starts recording the request, or returns null when it has no <c>x-sim-request-id</c>.</summary>
    public RecordedRequest? Begin(HttpContext context)
    {
        var id = context.Request.Headers[SimulatorHeaders.RequestId];
        if (StringValues.IsNullOrEmpty(id))
        {
            return null;
        }

        var key = id.ToString();
        var record = GetOrAdd(key);
        if (!record.TryClaim(context))
        {
            // The id is reused: the newest request wins.
            record = new RecordedRequest();
            record.TryClaim(context);
            _records[key] = record;
        }

        return record;
    }

    /// <summary>The record of a request that has arrived, or null.</summary>
    public RecordedRequest? Find(string id) =>
        _records.TryGetValue(id, out var record) && record.IsReceived ? record : null;

    /// <summary>The record for <paramref name="id"/>, created ahead of its request so a waiter may subscribe first.</summary>
    public RecordedRequest GetOrAdd(string id) => _records.GetOrAdd(id, static _ => new RecordedRequest());
}
