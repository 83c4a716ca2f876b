namespace MassRouter.Gateway.Metering;

/// <summary>
/// Refreshes an in-flight record with what a long stream has delivered so far, only while the record exists: a refresh
/// that arrives after the request was settled (or swept) must not bring the record back.
/// </summary>
internal static class ProgressScript
{
    // KEYS: 1 in-flight hash. ARGV: 1 event id, 2 the settlement to charge should the gateway die now.
    public const string Lua = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
        return 0
        """;
}
