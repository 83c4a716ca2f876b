using System.Threading.Channels;
using MassRouter.Core.Redis;
using StackExchange.Redis;

namespace MassRouter.ControlApi.Tests.Infrastructure;

/// <summary>Listens on <c>mr:events</c> like a gateway does.</summary>
public sealed class EventsSubscription
{
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();

    private EventsSubscription()
    {
    }

    public static async Task<EventsSubscription> StartAsync(ConnectionMultiplexer connection)
    {
        var subscription = new EventsSubscription();
        await connection.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RedisKeys.EventsChannel), (_, message) => subscription._messages.Writer.TryWrite(message.ToString()));
        return subscription;
    }

    /// <summary>The next message (waiting at most 5 s), whatever it is.</summary>
    public async Task<string> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await _messages.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Waits (at most 5 s) for <paramref name="expected"/>, skipping other tests' messages.</summary>
    public async Task<string> ReadAsync(string expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        while (true)
        {
            var message = await _messages.Reader.ReadAsync(timeout.Token);
            if (message == expected)
            {
                return message;
            }
        }
    }
}
