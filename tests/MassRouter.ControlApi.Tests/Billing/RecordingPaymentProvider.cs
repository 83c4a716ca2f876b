using System.Collections.Concurrent;
using System.Globalization;
using MassRouter.ControlApi.Billing;

namespace MassRouter.ControlApi.Tests.Billing;

/// <summary>
/// A payment provider that keeps its own record of the money it took, idempotent by payment id as the seam requires,
/// and can lose its answer after charging (the caller sees an exception although the money moved), as when the
/// control API dies or the network drops right after the provider took the money.
/// </summary>
internal sealed class RecordingPaymentProvider : IPaymentProvider
{
    private readonly ConcurrentDictionary<long, PaymentResult> _charges = new();
    private int _charged;
    private int _failNextAfterCharging;

    public string Name => "recording";

    /// <summary>How many times money moved (a repeated payment id does not move it again).</summary>
    public int Charged => Volatile.Read(ref _charged);

    public bool HasCharged(long paymentId) => _charges.ContainsKey(paymentId);

    /// <summary>The next charge takes the money, then throws instead of answering.</summary>
    public void FailNextAfterCharging() => Volatile.Write(ref _failNextAfterCharging, 1);

    public Task<PaymentResult> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var result = _charges.GetOrAdd(request.PaymentId, id =>
        {
            Interlocked.Increment(ref _charged);
            return new PaymentResult(true, "rec_" + id.ToString(CultureInfo.InvariantCulture));
        });
        if (Interlocked.Exchange(ref _failNextAfterCharging, 0) == 1)
        {
            throw new HttpRequestException("The payment provider's answer was lost.");
        }

        return Task.FromResult(result);
    }
}
