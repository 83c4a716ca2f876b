using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Hashing;

namespace MassRouter.Benchmarks;

/// <summary>The SHA-256 of the presented API key every request pays: the BCL's (OpenSSL on Linux) against our managed one.</summary>
[MemoryDiagnoser]
public class KeyHashBenchmarks
{
    private readonly byte[] _hash = new byte[32];

    // A control-plane key (prefix + 64 hex digits: two blocks) and the development key's shape (one block).
    [Params(42, 70)]
    public int KeyLength { get; set; }

    private byte[] _key = [];

    [GlobalSetup]
    public void Setup() => _key = Encoding.ASCII.GetBytes(new string('k', KeyLength));

    [Benchmark(Baseline = true)]
    public int Bcl() => SHA256.HashData(_key, _hash);

    [Benchmark]
    public int Managed()
    {
        Sha256.HashData(_key, _hash);
        return _hash[0];
    }
}
