using System.Text;
using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>The bounds and the thread safety of the conversations one simulator keeps, and of each one's items.</summary>
public sealed class OpenAIConversationStoreTests
{
    [Fact]
    public void Full_DropsTheOldest()
    {
        var store = new OpenAIConversationStore(capacity: 3);
        var conversations = Enumerable.Range(0, 6).Select(_ => Conversation()).ToList();
        conversations.Take(3).ToList().ForEach(store.Add);

        Assert.NotNull(store.Remove(conversations[1].Id));
        conversations.Skip(3).ToList().ForEach(store.Add);

        // The removed one left the order too: the 4th and 5th pushed out the 1st and 3rd, not a ghost of the 2nd.
        Assert.Equal(3, store.Count);
        Assert.All(conversations.Take(3), c => Assert.Null(store.Find(c.Id)));
        Assert.All(conversations.Skip(3), c => Assert.Same(c, store.Find(c.Id)));
    }

    [Fact]
    public void ByDefault_KeepsTheNewestTenThousand()
    {
        var store = new OpenAIConversationStore();
        var conversations = Enumerable.Range(0, 10_001).Select(_ => Conversation()).ToList();

        conversations.ForEach(store.Add);

        Assert.Equal(10_000, store.Count);
        Assert.Null(store.Find(conversations[0].Id));
        Assert.NotNull(store.Find(conversations[1].Id));
        Assert.NotNull(store.Find(conversations[^1].Id));
    }

    [Fact]
    public void Items_KeepTheNewestTenThousand()
    {
        var conversation = Conversation();

        conversation.Append(Enumerable.Range(0, 10_005).Select(i => Item($"msg_{i}")));

        var items = conversation.Items();
        Assert.Equal(OpenAIConversation.MaxItems, items.Length);
        Assert.Equal("msg_5", items[0].Id);
        Assert.Equal("msg_10004", items[^1].Id);
    }

    [Fact]
    public async Task ConcurrentTurns_AreEachAppendedWhole()
    {
        const int Workers = 4, Turns = 1_000;
        var conversation = Conversation();
        using var start = new Barrier(Workers);

        // Threads of their own, released together: pooled tasks would start one by one on a small machine and barely overlap.
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < Turns; i++)
            {
                conversation.AppendTurn(Encoding.UTF8.GetBytes($$"""[{"id":"in_{{worker}}_{{i}}","role":"user","content":"Hi"}]"""), Item($"out_{worker}_{i}"));
                conversation.Append([Item($"added_{worker}_{i}")]);
                conversation.RemoveItem($"added_{worker}_{i - 1}");
                conversation.FindItem($"out_{worker}_{i}");
                if (i % 100 == 0)
                {
                    _ = conversation.Items();
                }
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)));

        // Nothing lost (each worker's last added item is left: 8,004 items, within the bound), and every turn's output
        // follows its own input: no other turn got in between.
        var items = conversation.Items();
        Assert.Equal(Workers * ((2 * Turns) + 1), items.Length);
        Assert.Equal(Workers * Turns, items.Count(i => i.Id.StartsWith("in_", StringComparison.Ordinal)));
        Assert.Equal(Workers * Turns, items.Count(i => i.Id.StartsWith("out_", StringComparison.Ordinal)));
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i].Id.StartsWith("in_", StringComparison.Ordinal))
            {
                Assert.Equal("out_" + items[i].Id["in_".Length..], items[i + 1].Id);
            }
        }
    }

    private static OpenAIConversation Conversation() => new(metadata: null, items: []);

    private static OpenAIInputItem Item(string id) => new(id, Encoding.UTF8.GetBytes($$"""{"id":"{{id}}"}"""));
}
