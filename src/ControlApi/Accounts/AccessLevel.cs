namespace MassRouter.ControlApi.Accounts;

/// <summary>What the caller may do with an account: ordered, each level includes the ones below.</summary>
internal enum AccessLevel
{
    /// <summary>Not visible at all (answered with 404 so ids do not leak).</summary>
    None,

    /// <summary>Team member: may read the team, its keys and usage.</summary>
    Member,

    /// <summary>Team admin: may also manage keys, members and top up.</summary>
    Admin,

    /// <summary>The user's own account, a team owner, or a platform admin.</summary>
    Owner,
}
