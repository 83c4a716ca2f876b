using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Redis;

namespace MassRouter.Gateway.Limits;

/// <summary>
/// The admission script of a request admitted without waiting for it: its answer, read on the pipeline's reader,
/// updates the key's room (a refusal makes the key's next requests wait for Redis) and tells settlement whether the
/// request has an in-flight record to claim.
/// </summary>
internal sealed class OptimisticAdmission(RedisAdmission admission, ApiKeyInfo key, AdmissionHeadroom headroom, long tokens, DateTimeOffset sentAt) : RespOperation
{
    private const int Pending = 0;
    private const int Admitted = 1;
    private const int Refused = 2;
    private const int Failed = 3;

    private readonly Lock _lock = new();
    private volatile int _state;
    private Action<OptimisticAdmission>? _whenAnswered;

    /// <summary>True once Redis admitted it (its in-flight record exists); false while unanswered, refused or failed.</summary>
    public bool IsAdmitted => _state == Admitted;

    /// <summary>True when Redis answered that it would have refused the request (it was served anyway, and is charged).</summary>
    public bool WasRefused => _state == Refused;

    /// <summary>
    /// Runs <paramref name="action"/> once Redis has answered (or failed to): at once if it has, else on the
    /// pipeline's reader when it does. Settlement waits for this, so its claim never guesses.
    /// </summary>
    public void WhenAnswered(Action<OptimisticAdmission> action)
    {
        lock (_lock)
        {
            if (_state == Pending)
            {
                _whenAnswered = action;
                return;
            }
        }

        action(this);
    }

    public override void OnReply(in RespReply reply)
    {
        var state = Failed;
        try
        {
            if (reply.IsError || reply.Array is not { Length: > 0 } result)
            {
                headroom.Invalidate();
                return;
            }

            state = admission.Interpret(key, sentAt, result).Verdict == AdmissionVerdict.Admitted ? Admitted : Refused;
        }
        finally
        {
            headroom.Release(tokens);
            Answer(state);
        }
    }

    public override void OnFailure(Exception error)
    {
        headroom.Invalidate();
        headroom.Release(tokens);
        Answer(Failed);
    }

    private void Answer(int state)
    {
        Action<OptimisticAdmission>? then;
        lock (_lock)
        {
            _state = state;
            then = _whenAnswered;
            _whenAnswered = null;
        }

        then?.Invoke(this);
    }
}
