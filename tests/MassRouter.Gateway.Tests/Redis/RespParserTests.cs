using System.Text;
using MassRouter.Gateway.Redis;

namespace MassRouter.Gateway.Tests.Redis;

public class RespParserTests
{
    [Theory]
    [InlineData(":42\r\n", "Integer", 42L, null)]
    [InlineData(":-7\r\n", "Integer", -7L, null)]
    [InlineData("+OK\r\n", "Text", 0L, "OK")]
    [InlineData("$5\r\nhello\r\n", "Text", 0L, "hello")]
    [InlineData("$0\r\n\r\n", "Text", 0L, "")]
    [InlineData("$-1\r\n", "Text", 0L, null)]
    [InlineData("-NOSCRIPT No matching script.\r\n", "Error", 0L, "NOSCRIPT No matching script.")]
    public void ReadsScalarReplies(string wire, string kind, long number, string? text)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);

        Assert.True(RespParser.TryParse(bytes, out var reply, out var consumed));

        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(kind, reply.Kind.ToString());
        Assert.Equal(number, reply.Integer);
        Assert.Equal(text, reply.Text);
    }

    [Fact]
    public void ReadsAnArrayOfIntegers_NumericStrings_AndNilAsZero()
    {
        var bytes = "*5\r\n:1\r\n$3\r\n250\r\n$-1\r\n:-4\r\n$1\r\n0\r\n"u8.ToArray();

        Assert.True(RespParser.TryParse(bytes, out var reply, out var consumed));

        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(RespReplyKind.Array, reply.Kind);
        Assert.NotNull(reply.Array);
        Assert.Equal([1L, 250L, 0L, -4L, 0L], reply.Array!);
    }

    [Fact]
    public void AnArrayWithAnElementThatIsNotANumber_IsAnErrorReply_NotABrokenConnection()
    {
        var bytes = "*2\r\n:1\r\n$5\r\nhello\r\n:9\r\n"u8.ToArray();

        Assert.True(RespParser.TryParse(bytes, out var reply, out var consumed));

        Assert.Equal(bytes.Length - 4, consumed);
        Assert.True(reply.IsError);
        Assert.Contains("not an integer", reply.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryProperPrefixOfAReply_AsksForMoreBytes()
    {
        var bytes = "*3\r\n:1\r\n$11\r\nhello world\r\n-ERR x\r\n"u8.ToArray();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.False(RespParser.TryParse(bytes.AsSpan(0, length), out _, out _), $"a prefix of {length} bytes was taken as a whole reply");
        }

        Assert.True(RespParser.TryParse(bytes, out _, out var consumed));
        Assert.Equal(bytes.Length, consumed);
    }

    [Fact]
    public void TwoRepliesInOneBuffer_AreReadOneAtATime()
    {
        var bytes = ":1\r\n:2\r\n"u8.ToArray();

        Assert.True(RespParser.TryParse(bytes, out var first, out var consumed));
        Assert.True(RespParser.TryParse(bytes.AsSpan(consumed), out var second, out _));

        Assert.Equal(1, first.Integer);
        Assert.Equal(2, second.Integer);
    }

    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$3\r\nabcde\r\n")]
    [InlineData("*1\r\n*1\r\n:1\r\n")]
    public void BytesThatAreNotResp_Throw(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);

        Assert.Throws<InvalidDataException>(() => RespParser.TryParse(bytes, out _, out _));
    }
}
