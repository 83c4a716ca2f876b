using System.Text;

namespace MassRouter.Gateway.Redis;

/// <summary>A Lua script as <see cref="RespPipeline"/> sends it: by SHA1 (<c>EVALSHA</c>), and by text when the server does not know it yet.</summary>
internal sealed class RespScript
{
    public RespScript(string lua)
    {
        Lua = lua;
        Text = Encoding.UTF8.GetBytes(lua);
        Sha = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(Hashing.Sha1.HashData(Text)));
    }

    public string Lua { get; }

    /// <summary>The script's UTF-8 bytes, sent with <c>EVAL</c> (which also caches it on the server).</summary>
    public byte[] Text { get; }

    /// <summary>The lower-case hex SHA1 of <see cref="Text"/>, the name <c>EVALSHA</c> takes.</summary>
    public byte[] Sha { get; }
}
