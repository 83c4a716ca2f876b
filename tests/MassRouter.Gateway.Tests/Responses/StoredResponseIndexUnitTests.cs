using MassRouter.Gateway.Auth;
using MassRouter.Gateway.StoredResponses;

namespace MassRouter.Gateway.Tests.Responses;

/// <summary>What the stored-response index reads off Responses bodies, and the in-process index of a gateway without Redis.</summary>
public class StoredResponseIndexUnitTests
{
    [Theory]
    [InlineData("""{"id":"resp_1","object":"response","store":true,"output":[{"type":"message"}]}""", false, "resp_1")]
    [InlineData("""{"object":"response","output":[],"id":"resp_1"}""", false, "resp_1")]
    [InlineData("""{"id":"resp_1","object":"response","store":false}""", false, null)]
    [InlineData("""{"type":"response.created","sequence_number":0,"response":{"id":"resp_2","status":"in_progress","store":true}}""", true, "resp_2")]
    [InlineData("""{"type":"response.created","sequence_number":0,"response":{"id":"resp_2","store":false}}""", true, null)]
    [InlineData("""{"type":"error","sequence_number":0,"message":"boom"}""", true, null)]
    [InlineData("""{"id":"resp_1","store":true}""", true, null)]
    [InlineData("""{"id":7}""", false, null)]
    [InlineData("""not json""", false, null)]
    [InlineData("""{"id":"resp_1","store":tru""", false, null)]
    public void StoredId_IsTheIdOfAResponseTheProviderStored(string json, bool inEvent, string? expected) =>
        Assert.Equal(expected, StoredResponseIndex.StoredId(System.Text.Encoding.UTF8.GetBytes(json), inEvent));

    [Theory]
    [InlineData("""{"model":"m","previous_response_id":"resp_9","input":"Hi"}""", "resp_9", false)]
    [InlineData("""{"model":"m","input":[{"role":"user","content":"previous_response_id"}],"previous_response_id":"resp_9"}""", "resp_9", false)]
    [InlineData("""{"model":"m","conversation":"conv_1","input":"Hi"}""", "conv_1", true)]
    [InlineData("""{"model":"m","conversation":{"id":"conv_1"},"input":"Hi"}""", "conv_1", true)]
    [InlineData("""{"model":"m","previous_response_id":null,"conversation":"conv_1"}""", "conv_1", true)]
    [InlineData("""{"model":"m","previous_response_id":null}""", null, false)]
    [InlineData("""{"model":"m","previous_response_id":""}""", null, false)]
    [InlineData("""{"model":"m","previous_response_id":{"id":"resp_9"}}""", null, false)]
    [InlineData("""{"model":"m","conversation":{"metadata":{}}}""", null, false)]
    [InlineData("""{"model":"m"}""", null, false)]
    public void ContinuedState_IsThePreviousResponseOrTheConversation_ReadFromTheTopLevel(string json, string? id, bool conversation) =>
        Assert.Equal(id is null ? null : new StateReference(id, conversation), StoredResponseIndex.ContinuedState(System.Text.Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"id":"conv_1","object":"conversation","created_at":1,"metadata":{"id":"x"}}""", "conv_1")]
    [InlineData("""{"object":"conversation","metadata":{}}""", null)]
    [InlineData("""[1]""", null)]
    public void ObjectId_IsTheTopLevelId(string json, string? expected) =>
        Assert.Equal(expected, StoredResponseIndex.ObjectId(System.Text.Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Owner_IsTheAccount_OrTheConfiguredKey()
    {
        Assert.Equal("a:u_1", StoredResponseHolder.OwnerOf(new ApiKeyInfo("key_1", null, null) { Account = "u_1" }));
        Assert.Equal("k:key_1", StoredResponseHolder.OwnerOf(new ApiKeyInfo("key_1", null, null)));
        Assert.Equal(new StoredResponseHolder("a:u_1", "openai"), StoredResponseHolder.Decode(new StoredResponseHolder("a:u_1", "openai").Encode()));
        Assert.Null(StoredResponseHolder.Decode("no-line-break"));
        Assert.Null(StoredResponseHolder.Decode(null));
    }

    [Fact]
    public async Task TheLocalIndex_FindsForgetsAndExpires()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddDays(20_000));
        var index = new LocalStoredResponseIndex(clock);
        var holder = new StoredResponseHolder("k:key_1", "openai");

        index.Record("resp_a", holder);
        index.Record("resp_b", holder);
        index.Forget("resp_b");

        Assert.Equal(holder, await index.FindAsync("resp_a", default));
        Assert.Null(await index.FindAsync("resp_b", default));
        Assert.Null(await index.FindAsync("resp_unknown", default));

        clock.Now += TimeSpan.FromDays(30) + TimeSpan.FromSeconds(1);
        Assert.Null(await index.FindAsync("resp_a", default));
    }

    [Fact]
    public async Task TheLocalIndex_DropsTheOldestPastItsCapacity()
    {
        var index = new LocalStoredResponseIndex(TimeProvider.System);
        var holder = new StoredResponseHolder("k:key_1", "openai");
        for (var i = 0; i <= LocalStoredResponseIndex.Capacity; i++)
        {
            index.Record("resp_" + i, holder);
        }

        Assert.Null(await index.FindAsync("resp_0", default));
        Assert.Equal(holder, await index.FindAsync("resp_1", default));
        Assert.Equal(holder, await index.FindAsync("resp_" + LocalStoredResponseIndex.Capacity, default));
    }

    [Fact]
    public async Task TheLocalIndex_StaysBounded_WhenEveryResponseIsDeleted()
    {
        var index = new LocalStoredResponseIndex(TimeProvider.System);
        var holder = new StoredResponseHolder("k:key_1", "openai");
        for (var i = 0; i < LocalStoredResponseIndex.Capacity + 10; i++)
        {
            index.Record("resp_" + i, holder);
            index.Forget("resp_" + i);
        }

        index.Record("resp_kept", holder);

        Assert.Equal(LocalStoredResponseIndex.Capacity, index.Queued);
        Assert.Equal(holder, await index.FindAsync("resp_kept", default));
    }

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
