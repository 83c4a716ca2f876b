using MassRouter.Gateway.Auth;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// The admission script of a request admitted without waiting for it: its answer, read on the pipeline's reader,
/// updates the key's room (a refusal makes the key's next requests wait for Redis) and tells settlement whether the
/// request has an in-flight record to claim.
/// </summary>
/// <remarks>
/// It goes in the pipeline's admission batches; should the pipeline refuse it after all (reconnecting), the script runs
/// through the multiplexer instead, since the request is already on its way.
/// </remarks>
internal sealed class OptimisticAdmission(
    RedisAdmission admission, ApiKeyInfo key, AdmissionHeadroom headroom, long tokens, DateTimeOffset sentAt, AdmissionArguments arguments)
    : AdmissionBatcher.Item(arguments)
{
    private const int Pending = 0;
    private const int Admitted = 1;
    private const int Refused = 2;
    private const int Failed = 3;

    private readonly Lock _lock = new();
    private volatile int _state;
    private Action<OptimisticAdmission, object>? _whenAnswered;
    private object? _whenAnsweredState;

    /// <summary>True once Redis has answered (or failed to): <see cref="WhenAnswered"/> would run its action at once.</summary>
    public bool IsAnswered => _state != Pending;

    /// <summary>True once Redis admitted it (its in-flight record exists); false while unanswered, refused or failed.</summary>
    public bool IsAdmitted => _state == Admitted;

    /// <summary>True when Redis answered that it would have refused the request (it was served anyway, and is charged).</summary>
    public bool WasRefused => _state == Refused;

    /// <summary>
    /// Runs <paramref name="action"/> with <paramref name="state"/> once Redis has answered (or failed to): at once if it
    /// has, else on the pipeline's reader when it does. Settlement waits for this, so its claim never guesses. A static
    /// action and a state the caller has anyway (its request) cost no closure.
    /// </summary>
    public void WhenAnswered(Action<OptimisticAdmission, object> action, object state)
    {
        lock (_lock)
        {
            if (_state == Pending)
            {
                _whenAnswered = action;
                _whenAnsweredState = state;
                return;
            }
        }

        action(this, state);
    }

    public override void Answer(ReadOnlySpan<long> answer)
    {
        var state = Failed;
        try
        {
            state = admission.Interpret(key, sentAt, answer).Verdict == AdmissionVerdict.Admitted ? Admitted : Refused;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IndexOutOfRangeException)
        {
            // An answer this gateway cannot read: as if none came.
            headroom.Invalidate();
        }
        finally
        {
            headroom.Release(tokens);
            Answer(state);
        }
    }

    public override void Fail(Exception error)
    {
        headroom.Invalidate();
        headroom.Release(tokens);
        Answer(Failed);
    }

    public override void Reroute() => _ = admission.RunDirectAsync(this);

    private void Answer(int state)
    {
        Action<OptimisticAdmission, object>? then;
        object? thenState;
        lock (_lock)
        {
            _state = state;
            then = _whenAnswered;
            thenState = _whenAnsweredState;
            _whenAnswered = null;
            _whenAnsweredState = null;
        }

        then?.Invoke(this, thenState!);
    }
}
