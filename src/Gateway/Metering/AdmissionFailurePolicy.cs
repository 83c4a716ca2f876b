namespace MassRouter.Gateway.Metering;

/// <summary>What admission does when Redis is unreachable.</summary>
public enum AdmissionFailurePolicy
{
    /// <summary>Reject requests of accounts that ever paid; admit the others under local limits.</summary>
    ClosedForPaid,

    /// <summary>Reject every metered request (503).</summary>
    Closed,

    /// <summary>Admit every metered request under local (per-instance) limits.</summary>
    Open,
}
