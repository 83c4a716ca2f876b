using System.Buffers;
using System.Text;

namespace MassRouter.Simulator.Control;

/// <summary>One request recorded under its <c>x-sim-request-id</c>: what arrived, and whether it was aborted or completed.</summary>
internal sealed class RecordedRequest
{
    private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _abortRegistration;
    private int _claimed;
    private int _abortedOnce;
    private volatile bool _received;
    private volatile bool _completed;
    private DateTimeOffset? _abortedAt;
    private string _method = string.Empty;
    private string _path = string.Empty;
    private string _query = string.Empty;
    private Dictionary<string, string> _headers = [];
    private string _body = string.Empty;

    /// <summary>False until the request itself arrived (a long-poll may create the record first).</summary>
    public bool IsReceived => _received;

    /// <summary>Completes when the request's RequestAborted fires.</summary>
    public Task Aborted => _aborted.Task;

    /// <summary>Binds the record to its request; false if another request already owns it.</summary>
    public bool TryClaim(HttpContext context)
    {
        if (Interlocked.Exchange(ref _claimed, 1) != 0)
        {
            return false;
        }

        var request = context.Request;
        _method = request.Method;
        _path = request.PathBase.Add(request.Path).Value ?? string.Empty;
        _query = request.QueryString.Value ?? string.Empty;

        // HTTP/2 sends lower-case names and HTTP/1.1 names are case-insensitive: one spelling makes lookups predictable.
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.Ordinal);
        foreach (var (name, value) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = value.ToString();
        }

        _headers = headers;
        _received = true;
        _abortRegistration = context.RequestAborted.Register(static state => ((RecordedRequest)state!).MarkAborted(), this);
        return true;
    }

    public void SetBody(ReadOnlySequence<byte> body) => _body = Encoding.UTF8.GetString(body);

    public void MarkCompleted() => _completed = true;

    /// <summary>
    /// Stops watching the request once it is over (Kestrel reuses its cancellation source for the next request).
    /// <paramref name="aborted"/> covers an abort whose callback had not run yet when the handler unwound.
    /// </summary>
    public void Detach(bool aborted)
    {
        _abortRegistration.Dispose();
        if (aborted)
        {
            MarkAborted();
        }
    }

    public RecordedRequestView ToView() =>
        new(_method, _path, _query, _headers, _body, _aborted.Task.IsCompleted, _completed, _abortedAt);

    private void MarkAborted()
    {
        if (Interlocked.Exchange(ref _abortedOnce, 1) == 0)
        {
            _abortedAt = DateTimeOffset.UtcNow;
            _aborted.TrySetResult();
        }
    }
}
