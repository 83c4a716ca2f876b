using MassRouter.Gateway.Transforms.Buffers;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// A <c>/v1/messages</c> request on the chat pipeline: the client's own Anthropic body (sent as it is, model replaced, to
/// Anthropic-kind deployments) and the client dialect its answer is written in.
/// </summary>
internal sealed record AnthropicIngress(PooledBufferWriter Body, AnthropicClientBody Client);
