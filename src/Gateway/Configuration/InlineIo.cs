using MassRouter.Gateway.Embedded;
using MassRouter.Gateway.Metering;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace MassRouter.Gateway.Configuration;

/// <summary>
/// Applies <see cref="GatewayOptions.InlineIo"/>: the runtime's inline socket completions (an environment variable the
/// socket engine reads once, so it only takes effect when set before the process opens its first socket, as
/// <c>Program</c> does) and Kestrel's <see cref="SocketTransportOptions.UnsafePreferInlineScheduling"/>.
/// </summary>
internal static class InlineIo
{
    /// <summary>The runtime's switch; an explicit value in the environment always wins.</summary>
    public const string RuntimeVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Whether to inline. Not with an embedded Garnet: its sessions run commands on the I/O thread that received them
    /// and can wait for a send to drain, which on one shared event thread would wait on itself.
    /// </summary>
    public static bool IsEnabled(IConfiguration configuration, GatewayOptions options)
    {
        if (options.InlineIo is { } explicitly)
        {
            return explicitly;
        }

        var embeddedGarnet = MeteringOptions.UsesEmbeddedGarnet(configuration);
        var embeddedSimulator = options.Embedded.Simulator ?? options.Providers.Count == 0;
        return !embeddedGarnet && !embeddedSimulator && !EmbeddedControlApi.IsEnabled(configuration, options);
    }

    /// <summary>
    /// Inlines Kestrel's scheduling, and the runtime's socket completions when this gateway owns the process (a host
    /// embedding it, such as a test run, keeps its own sockets as they are).
    /// </summary>
    public static void Apply(WebApplicationBuilder builder, bool ownsProcess)
    {
        if (ownsProcess && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RuntimeVariable)))
        {
            Environment.SetEnvironmentVariable(RuntimeVariable, "1");
        }

        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
    }
}
