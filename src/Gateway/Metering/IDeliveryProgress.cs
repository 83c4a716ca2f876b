namespace MassRouter.Gateway.Metering;

/// <summary>Told, at most every progress interval, that a stream has delivered more output (see <see cref="DeliveredOutput"/>).</summary>
internal interface IDeliveryProgress
{
    void OnDelivered(DeliveredOutput output);
}
