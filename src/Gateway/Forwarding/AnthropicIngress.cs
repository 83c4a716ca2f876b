using MassRouter.Gateway.Transforms.Buffers;
using MassRouter.Gateway.Transforms.Providers;

namespace MassRouter.Gateway.Forwarding;

/// <summary>
/// A <c>/v1/messages</c> request on the chat pipeline: the client's own Anthropic body (sent as it is, model replaced, to
/// Anthropic-kind deployments). <paramref name="Untranslatable"/>, when set, is why the request has no chat-completions
/// form: only Anthropic-kind deployments can take it.
/// </summary>
internal sealed record AnthropicIngress(PooledBufferWriter Body, CodecError? Untranslatable = null);
