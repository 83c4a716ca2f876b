using System.Net;
using System.Net.Sockets;

namespace MassRouter.Gateway.Tests.Metering;

/// <summary>
/// A loopback TCP proxy in front of a Redis server that can be cut and restored: "Redis is unreachable" for the
/// gateways while the server itself keeps its data, the same way for redis-server and Garnet. It can also be stalled:
/// connections stay open but nothing is forwarded ("Redis is slow"), until it resumes or is cut (which drops what was held).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private volatile int _generation;
    private volatile TaskCompletionSource _flowing = Flowing();

    public TcpProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Drops every connection (and whatever a stall held) and refuses new ones.</summary>
    public void Cut()
    {
        _cut = true;
        _generation++;
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Client.Close(0);
            }

            _open.Clear();
        }

        _flowing.TrySetResult();
    }

    public void Restore()
    {
        _cut = false;
        _flowing.TrySetResult();
    }

    /// <summary>Keeps every connection open but forwards nothing, either way, until <see cref="Restore"/> or <see cref="Cut"/>.</summary>
    public void Stall() => _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            if (_cut)
            {
                client.Client.Close(0);
                continue;
            }

            _ = PipeAsync(client);
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, int generation)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer)) > 0)
        {
            await _flowing.Task;
            if (generation != _generation)
            {
                // Cut while stalled: what was held is dropped, as a broken connection would drop it.
                return;
            }

            await to.WriteAsync(buffer.AsMemory(0, read));
        }
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private async Task PipeAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }

            using var a = client.GetStream();
            using var b = upstream.GetStream();
            var generation = _generation;
            await Task.WhenAny(PumpAsync(a, b, generation), PumpAsync(b, a, generation));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // A cut connection.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }

            client.Dispose();
            upstream.Dispose();
        }
    }
}
