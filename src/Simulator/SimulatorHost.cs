using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Providers.Anthropic;
using MassRouter.Simulator.Providers.Bedrock;
using MassRouter.Simulator.Providers.Cohere;
using MassRouter.Simulator.Providers.Gemini;
using MassRouter.Simulator.Providers.OpenAI;
using MassRouter.Simulator.Replay;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace MassRouter.Simulator;

/// <summary>Builds the provider simulator as a <see cref="WebApplication"/>, standalone or hosted inside another process.</summary>
public static class SimulatorHost
{
    /// <summary>
    /// Builds (does not start) a lean Kestrel app serving the simulator. Only <paramref name="args"/> configure the host
    /// (e.g. <c>--urls http://127.0.0.1:0</c>): environment variables and appsettings files of the hosting process are ignored,
    /// so an in-process simulator never picks up the host's own URLs. Invalid options make <c>StartAsync</c> fail.
    /// </summary>
    public static WebApplication Build(SimulatorOptions options, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(args);

        // A snapshot: the caller may keep mutating its instance.
        var settings = new SimulatorOptions
        {
            FixturesPath = options.FixturesPath is null ? null : Path.GetFullPath(options.FixturesPath),
            TimeToFirstTokenMs = options.TimeToFirstTokenMs,
            InterTokenIntervalMs = options.InterTokenIntervalMs,
            Tokens = options.Tokens,
            ChunkSize = options.ChunkSize,
        };

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SimulatorHost).Assembly.GetName().Name,
        });
        builder.Configuration.AddCommandLine(args);
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddRoutingCore();

        builder.Services.AddSingleton<IValidateOptions<SimulatorOptions>>(new SimulatorOptionsValidator());
        builder.Services.AddOptions<SimulatorOptions>()
            .Configure(target =>
            {
                target.FixturesPath = settings.FixturesPath;
                target.TimeToFirstTokenMs = settings.TimeToFirstTokenMs;
                target.InterTokenIntervalMs = settings.InterTokenIntervalMs;
                target.Tokens = settings.Tokens;
                target.ChunkSize = settings.ChunkSize;
            })
            .ValidateOnStart();

        var gates = new HoldGates();
        var journal = new RequestJournal();
        var fixtures = new FixtureStore(settings.FixturesPath);
        var exchange = new SimulatedExchange(settings, journal, fixtures, new FixtureReplayer(gates));
        var openAI = new OpenAIChatSimulator(gates);
        var storedResponses = new OpenAIResponseStore();
        var conversations = new OpenAIConversationStore();
        builder.Services.AddSingleton(gates).AddSingleton(journal).AddSingleton(fixtures).AddSingleton(exchange);

        // Made by the container, so disposing the app stops the background responses as stopping it does.
        builder.Services.AddSingleton<OpenAIBackgroundRunner>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OpenAIBackgroundRunner>());

        var app = builder.Build();
        app.MapOpenAI(
            exchange,
            openAI,
            new OpenAITextCompletionSimulator(gates),
            new OpenAIEmbeddingsSimulator(gates),
            new OpenAIModerationsSimulator(gates),
            new OpenAIResponsesSimulator(gates, storedResponses, conversations, app.Services.GetRequiredService<OpenAIBackgroundRunner>()),
            new OpenAICompactionSimulator(gates, storedResponses),
            new OpenAIInputTokensSimulator(),
            storedResponses,
            conversations);
        app.MapAnthropic(exchange, new AnthropicMessagesSimulator(gates));
        app.MapGemini(exchange, new GeminiSimulator(gates));
        app.MapCohere(exchange, new CohereChatSimulator(gates));
        app.MapBedrock(exchange, new BedrockConverseSimulator(gates));
        app.MapSimulatorControl(journal, gates);
        return app;
    }

    /// <summary>The first http address a started app listens on; wildcard hosts are reported as 127.0.0.1.</summary>
    public static Uri GetAddress(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException("The simulator has no http address: start it (with an http --urls) before asking for its address.");

        var hostStart = address.IndexOf("://", StringComparison.Ordinal) + 3;
        var portStart = address.LastIndexOf(':');
        var host = address[hostStart..portStart];
        if (host is "+" or "*" or "0.0.0.0" or "[::]")
        {
            address = string.Concat(address.AsSpan(0, hostStart), "127.0.0.1", address.AsSpan(portStart));
        }

        return new Uri(address);
    }
}
