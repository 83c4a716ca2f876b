using MassRouter.Simulator.Providers.OpenAI;

namespace MassRouter.Simulator.Tests.Providers;

/// <summary>The bound and the thread safety of the stored responses one simulator keeps.</summary>
public sealed class OpenAIResponseStoreTests
{
    [Fact]
    public void Full_DropsTheOldest()
    {
        var store = new OpenAIResponseStore(capacity: 3);
        foreach (var id in (string[])["resp_1", "resp_2", "resp_3"])
        {
            store.Add(Stored(id));
        }

        Assert.NotNull(store.Remove("resp_2"));
        store.Add(Stored("resp_4"));
        store.Add(Stored("resp_5"));

        Assert.Equal(3, store.Count);
        Assert.Null(store.Find("resp_1"));
        Assert.Null(store.Find("resp_2"));
        Assert.Equal(["resp_3", "resp_4", "resp_5"], ((string[])["resp_3", "resp_4", "resp_5"]).Where(id => store.Find(id) is not null));
    }

    [Fact]
    public void ByDefault_KeepsTheNewestTenThousand()
    {
        var store = new OpenAIResponseStore();

        for (var i = 0; i <= 10_000; i++)
        {
            store.Add(Stored($"resp_{i}"));
        }

        Assert.Equal(10_000, store.Count);
        Assert.Null(store.Find("resp_0"));
        Assert.NotNull(store.Find("resp_1"));
        Assert.NotNull(store.Find("resp_10000"));
    }

    [Fact]
    public async Task ConcurrentAddsAndRemoves_KeepTheBound()
    {
        var store = new OpenAIResponseStore(capacity: 100);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                var id = $"resp_{worker}_{i}";
                store.Add(Stored(id));
                if (i % 3 == 0)
                {
                    store.Remove(id);
                }

                store.Find($"resp_{(worker + 1) % 4}_{i}");
            }
        })));

        // The order and the index stayed in step: the next hundred push out exactly what is left, and can all be removed.
        Assert.Equal(100, store.Count);
        var next = Enumerable.Range(0, 100).Select(i => $"resp_next_{i}").ToList();
        next.ForEach(id => store.Add(Stored(id)));
        Assert.Equal(100, store.Count);
        Assert.All(next, id => Assert.NotNull(store.Remove(id)));
        Assert.Equal(0, store.Count);
    }

    private static OpenAIStoredResponse Stored(string id) => new(id, "{}"u8.ToArray(), default);
}
