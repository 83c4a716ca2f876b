namespace MassRouter.ControlApi.Keys;

/// <summary>A key just created: <c>Secret</c> is shown this once and never again.</summary>
public sealed record CreatedKey(KeyView Key, string Secret);
