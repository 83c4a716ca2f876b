namespace MassRouter.Gateway.Redis;

internal enum RespReplyKind
{
    Integer,
    Text,
    Error,
    Array,
}
