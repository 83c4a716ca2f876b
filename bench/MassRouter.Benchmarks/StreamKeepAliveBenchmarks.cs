using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using MassRouter.Gateway.Forwarding;

namespace MassRouter.Benchmarks;

/// <summary>
/// What stream keep-alives (<c>MassRouter:StreamKeepAlive</c>, on by default) cost a stream that never needs one: its
/// timer, made and stopped once per stream, and per relayed event the hand-over of the writer between the relay and
/// the timer.
/// </summary>
[MemoryDiagnoser]
public class StreamKeepAliveBenchmarks : IDisposable
{
    private readonly PipeWriter _writer = PipeWriter.Create(Stream.Null);
    private StreamKeepAlive _keepAlive = null!;

    [GlobalSetup]
    public void Setup() => _keepAlive = StreamKeepAlive.Start(_writer, null, TimeSpan.FromSeconds(15), beforeFirstEvent: true, CancellationToken.None)!;

    /// <summary>Per relayed event: mark waiting before the read, take the writer back after it, note the event.</summary>
    [Benchmark]
    public ValueTask PerEvent()
    {
        _keepAlive.BeforeWait();
        var resumed = _keepAlive.ResumeAsync();
        _keepAlive.Relayed();
        return resumed;
    }

    /// <summary>Per stream: the timer made at its start and stopped at its end.</summary>
    [Benchmark]
    public async Task PerStream()
    {
        var keepAlive = StreamKeepAlive.Start(_writer, null, TimeSpan.FromSeconds(15), beforeFirstEvent: true, CancellationToken.None)!;
        await keepAlive.StopAsync();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _keepAlive.StopAsync().AsTask().GetAwaiter().GetResult();
        GC.SuppressFinalize(this);
    }
}
