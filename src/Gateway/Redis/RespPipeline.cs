using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace MassRouter.Gateway.Redis;

/// <summary>
/// A dedicated RESP2 connection for the two scripts on the request path (admission and settlement), beside the
/// StackExchange.Redis multiplexer that does everything else.
/// </summary>
/// <remarks>
/// <para>Why: StackExchange.Redis 3.x completes every awaited command on the thread pool, so a metered request paid a
/// thread hop (a futex wake and a context switch on a small box) for its admission, and another for its settlement.
/// Here the reply completes the command synchronously on the connection's reader, which with inline socket completions
/// is the I/O thread that received it: the request continues there, as an unmetered one does.</para>
/// <para>Commands are written by the caller's thread; while one send is in progress, later commands are appended to
/// the next batch and that sender flushes them too (group commit), so concurrent requests share syscalls.</para>
/// <para>It is an accelerator, never the only way: <see cref="TrySend"/> answers false until the connection is up and
/// the multiplexer has seen a standalone server (not Cluster, where keys live on several nodes), and callers then use
/// the multiplexer. Failures surface as StackExchange.Redis's own exceptions (connection lost, timeout), so callers
/// keep one failure path: while it is down, commands fail at once, like the multiplexer's fail-fast backlog.</para>
/// </remarks>
internal sealed partial class RespPipeline : IAsyncDisposable
{
    /// <summary>The connection's name on the server (<c>CLIENT SETNAME</c>).</summary>
    public const string ClientName = "massrouter-gateway-pipeline";

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly EndPoint? _endpoint;
    private readonly string? _user;
    private readonly string? _password;
    private readonly int _database;
    private readonly TimeSpan _timeout;
    private readonly IConnectionMultiplexer _multiplexer;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Timer? _timeoutTimer;
    private readonly Timer? _wakeTimer;
    private readonly Lock _wakeLock = new();

    // When the wake-up timer fires (a Stopwatch timestamp), or 0 when it is not set.
    private long _wakeAt;
    private readonly WakeBackoff _wakeBackoff = new();
    private long _wakeUps;
    private Connection? _connection;
    private bool _reconnecting;
    private bool _disposed;
    private bool? _standalone;
    private long _sent;
    private long _disconnects;
    private long _timeouts;

    // Copied on write (batchers register once, at start-up): every write that starts a send walks it, so no enumerator
    // is allocated per request.
    private IRespBatchCounts[] _batchers = [];

    public RespPipeline(string connectionString, TimeSpan timeout, bool enabled, IConnectionMultiplexer multiplexer, ILogger<RespPipeline> logger)
    {
        _multiplexer = multiplexer;
        _logger = logger;
        _timeout = timeout;
        var options = ConfigurationOptions.Parse(connectionString);

        // TLS, Sentinel and several endpoints stay with the multiplexer, which knows how to handle them.
        if (!enabled || options.EndPoints.Count != 1 || options.Ssl || !string.IsNullOrEmpty(options.ServiceName) || options.Proxy != Proxy.None)
        {
            return;
        }

        _endpoint = options.EndPoints[0];
        _user = options.User;
        _password = options.Password;
        _database = options.DefaultDatabase ?? 0;
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 20, 250));
        _timeoutTimer = new Timer(static state => ((RespPipeline)state!).CheckTimeout(), this, tick, tick);
        _wakeTimer = new Timer(static state => ((RespPipeline)state!).WakeUp(), this, Timeout.Infinite, Timeout.Infinite);
        StartReconnect();
    }

    /// <summary>Commands accepted by <see cref="TrySend"/> since start.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Connections lost since start (a timeout included).</summary>
    public long Disconnects => Interlocked.Read(ref _disconnects);

    /// <summary>Connections given up because a reply took longer than the timeout.</summary>
    public long Timeouts => Interlocked.Read(ref _timeouts);

    /// <summary>True while commands can go through this connection (connected, standalone server).</summary>
    public bool IsUsable => Volatile.Read(ref _connection) is { Failed: false } && IsStandalone();

    /// <summary>
    /// Sends <paramref name="script"/> (by SHA1, by text after a <c>NOSCRIPT</c>) and completes <paramref name="operation"/>
    /// on the reader; false, with nothing sent, when the connection is not usable (use the multiplexer).
    /// </summary>
    public bool TrySend(RespOperation operation, RespScript script, RedisKey[] keys, RedisValue[] values)
    {
        operation.Keys = keys;
        operation.Values = values;
        return TrySend(operation, script);
    }

    /// <summary>
    /// Sends <paramref name="script"/> with the keys and arguments <paramref name="operation"/> writes
    /// (<see cref="RespOperation.WriteArguments"/>); false, with nothing sent, when the connection is not usable. An
    /// exception from the operation's writer propagates, with nothing sent.
    /// </summary>
    public bool TrySend(RespOperation operation, RespScript script)
    {
        var connection = Volatile.Read(ref _connection);
        if (connection is null || !IsStandalone())
        {
            return false;
        }

        operation.Script = script;
        if (!Write(connection, operation))
        {
            return false;
        }

        Interlocked.Increment(ref _sent);
        return true;
    }

    /// <summary>The batchers sending over this pipeline, for its metrics.</summary>
    public IReadOnlyCollection<IRespBatchCounts> Batchers => _batchers;

    internal void Track(IRespBatchCounts batcher)
    {
        lock (_lock)
        {
            _batchers = [.. _batchers, batcher];
        }
    }

    public async ValueTask DisposeAsync()
    {
        Connection? connection;
        lock (_lock)
        {
            _disposed = true;
            connection = _connection;
        }

        await _stopping.CancelAsync();
        if (_timeoutTimer is not null)
        {
            await _timeoutTimer.DisposeAsync();
        }

        if (_wakeTimer is not null)
        {
            await _wakeTimer.DisposeAsync();
        }

        if (connection is not null)
        {
            Fail(connection, RespErrors.ConnectionLost("The Redis pipeline was disposed.", type: ConnectionFailureType.ConnectionDisposed));
        }

        _stopping.Dispose();
    }

    // Decided once the multiplexer has met a server; until then the multiplexer carries the commands.
    private bool IsStandalone() => (_standalone ??= RedisTopology.IsStandalone(_multiplexer)) ?? false;

    private bool Write(Connection connection, RespOperation operation)
    {
        // The arguments are written outside the lock, into this thread's buffer: a writer that throws leaves nothing in
        // the connection's, and the lock is held for a copy only.
        var arguments = RespCommandWriter.Rent();
        operation.WriteArguments(arguments);
        lock (connection.WriteLock)
        {
            if (connection.Failed)
            {
                arguments.Return();
                return false;
            }

            WriteEval(connection.Out, operation, arguments);
            connection.Enqueue(operation);
            if (connection.Flushing)
            {
                // The sender in progress takes this command with its next batch.
                return true;
            }

            connection.Flushing = true;
        }

        // What lingers in a batcher for company rides along: one send carries both, and Redis's answers to both come
        // back in one read (appended behind this command, since this write started no send yet).
        foreach (var batcher in Volatile.Read(ref _batchers))
        {
            batcher.Tick(force: true);
        }

        _ = FlushAsync(connection);
        return true;
    }

    private async Task FlushAsync(Connection connection)
    {
        try
        {
            while (true)
            {
                ArrayBufferWriter<byte> batch;
                lock (connection.WriteLock)
                {
                    if (connection.Out.WrittenCount == 0 || connection.Failed)
                    {
                        connection.Flushing = false;
                        return;
                    }

                    batch = connection.Out;
                    connection.Out = connection.Spare;
                    connection.Spare = batch;
                }

                var data = batch.WrittenMemory;
                while (!data.IsEmpty)
                {
                    var sent = await connection.Socket.SendAsync(data, SocketFlags.None);
                    data = data[sent..];
                }

                batch.ResetWrittenCount();
            }
        }
        catch (Exception ex)
        {
            lock (connection.WriteLock)
            {
                connection.Flushing = false;
            }

            Fail(connection, RespErrors.ConnectionLost("Writing to Redis failed: " + ex.Message, ex));
        }
    }

    private async Task ReadAsync(Connection connection)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var start = 0;
        var end = 0;
        Exception failure;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                        buffer.AsSpan(0, end).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }
                }

                var read = await connection.Socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
                if (read == 0)
                {
                    throw RespErrors.ConnectionLost("Redis closed the connection.", type: ConnectionFailureType.SocketClosed);
                }

                end += read;
                while (start < end && RespParser.TryParse(buffer.AsSpan(start, end - start), out var reply, out var consumed))
                {
                    start += consumed;
                    if (!connection.TryDequeue(out var operation))
                    {
                        throw new InvalidDataException("Redis sent a reply no command was waiting for.");
                    }

                    Complete(connection, operation, reply);
                }

                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex as RedisException
                ?? RespErrors.ConnectionLost("Reading from Redis failed: " + ex.Message, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        Fail(connection, failure);

        // Only the reader dequeues, so no reply can be paired with the wrong command; writers stopped when Fail marked
        // the connection failed.
        var error = connection.FailReason ?? failure;
        while (connection.TryDequeue(out var operation))
        {
            Fail(operation, error);
        }
    }

    private void Complete(Connection connection, RespOperation operation, in RespReply reply)
    {
        if (reply.IsError && !operation.SentByText && reply.Text is { } text && text.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // The server does not know the script yet (first use, a restart, SCRIPT FLUSH): send its text, which also
            // caches it for the next EVALSHA.
            operation.SentByText = true;
            bool written;
            try
            {
                written = Write(connection, operation);
            }
            catch (Exception ex)
            {
                Fail(operation, ex);
                return;
            }

            if (!written)
            {
                Fail(operation, connection.FailReason ?? RespErrors.ConnectionLost("The Redis connection was lost."));
            }

            return;
        }

        try
        {
            operation.OnReply(reply);
        }
        catch (Exception ex)
        {
            LogCompletionFailed(ex);
        }
    }

    private void Fail(RespOperation operation, Exception error)
    {
        try
        {
            operation.OnFailure(error);
        }
        catch (Exception ex)
        {
            LogCompletionFailed(ex);
        }
    }

    /// <summary>
    /// Ticks the batchers once, <paramref name="due"/> from now or sooner (a wake-up already set for later is brought
    /// forward; one set for earlier stays, and a batcher whose linger is not over by then sets it again from its tick).
    /// The backstop of a linger that nothing else ends, within a few milliseconds rather than at the timeout check's next
    /// tick; put off further while wake-ups find nothing to send (<see cref="WakeBackoff"/>).
    /// </summary>
    internal void WakeAfter(TimeSpan due)
    {
        if (_wakeTimer is null)
        {
            return;
        }

        due = _wakeBackoff.Scale(due);
        var at = Stopwatch.GetTimestamp() + (long)(due.TotalSeconds * Stopwatch.Frequency);
        if (Volatile.Read(ref _wakeAt) is var armed && armed != 0 && armed <= at)
        {
            return;
        }

        lock (_wakeLock)
        {
            if (_wakeAt != 0 && _wakeAt <= at)
            {
                return;
            }

            _wakeAt = at;
            try
            {
                _wakeTimer.Change(due, Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // Disposed: nothing is sent any more.
            }
        }
    }

    private void WakeUp()
    {
        Interlocked.Increment(ref _wakeUps);
        lock (_wakeLock)
        {
            _wakeAt = 0;
        }

        var sent = false;
        foreach (var batcher in Volatile.Read(ref _batchers))
        {
            sent |= batcher.Tick(force: false);
        }

        _wakeBackoff.Next(sent);
    }

    /// <summary>How many times the lingers' wake-up fired (for tests and diagnostics).</summary>
    internal long WakeUps => Interlocked.Read(ref _wakeUps);

    private void CheckTimeout()
    {
        // Also the backstop of the batchers' lingers: a batch no later submission sent goes within a tick.
        foreach (var batcher in Volatile.Read(ref _batchers))
        {
            batcher.Tick(force: false);
        }

        var connection = Volatile.Read(ref _connection);
        if (connection is not null && connection.InFlight > 0 && Stopwatch.GetElapsedTime(connection.ProgressAt) > _timeout)
        {
            // The command may or may not have run; callers treat it like the multiplexer's timeout (fail-open
            // admission, spooled settlement, both idempotent where it matters).
            Fail(connection, RespErrors.Timeout(
                $"Timeout awaiting a Redis reply after {(long)_timeout.TotalMilliseconds} ms ({connection.InFlight} command(s) in flight)."));
        }
    }

    /// <summary>Marks the connection failed (first reason wins), closes it, and starts reconnecting.</summary>
    private void Fail(Connection connection, Exception reason)
    {
        lock (connection.WriteLock)
        {
            if (connection.Failed)
            {
                return;
            }

            connection.Failed = true;
            connection.FailReason = reason;
        }

        // Closing makes the reader's receive fail; the reader then fails whatever is still in flight.
        connection.Socket.Dispose();
        bool reconnect;
        lock (_lock)
        {
            if (_connection == connection)
            {
                _connection = null;
            }

            reconnect = !_disposed;
        }

        if (reconnect)
        {
            Interlocked.Increment(ref _disconnects);
            if (reason is RedisTimeoutException)
            {
                Interlocked.Increment(ref _timeouts);
            }

            LogDisconnected(reason.Message);
            StartReconnect();
        }
    }

    private void StartReconnect()
    {
        lock (_lock)
        {
            if (_reconnecting || _disposed)
            {
                return;
            }

            _reconnecting = true;
        }

        _ = Task.Run(ReconnectAsync);
    }

    private async Task ReconnectAsync()
    {
        var delay = TimeSpan.FromMilliseconds(250);
        var attempts = 0;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await ConnectAsync(_stopping.Token);
                lock (_lock)
                {
                    _reconnecting = false;
                    if (_disposed)
                    {
                        connection.Socket.Dispose();
                        return;
                    }

                    _connection = connection;
                }

                _ = ReadAsync(connection);
                if (attempts > 0)
                {
                    LogConnected(attempts);
                }

                return;
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                if (attempts++ == 0)
                {
                    LogConnectFailed(ex.Message);
                }

                try
                {
                    await Task.Delay(delay, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
            catch (Exception)
            {
                break;
            }
        }

        lock (_lock)
        {
            _reconnecting = false;
        }
    }

    /// <summary>Connects, authenticates, selects the database, names the connection and checks the server answers (PING).</summary>
    private async Task<Connection> ConnectAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(_timeout.TotalMilliseconds, 1000)));
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(_endpoint!, deadline.Token);
            var hello = new ArrayBufferWriter<byte>(256);
            // One entry per command sent: whether an error reply to it stops the set-up.
            var mustSucceed = new List<bool>(4);
            if (!string.IsNullOrEmpty(_password))
            {
                WriteCommand(hello, _user is null ? ["AUTH", _password] : ["AUTH", _user, _password]);
                mustSucceed.Add(true);
            }

            if (_database != 0)
            {
                WriteCommand(hello, ["SELECT", _database.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                mustSucceed.Add(true);
            }

            // Named, so CLIENT LIST tells it from the multiplexer's connections; an ACL user without CLIENT still works.
            WriteCommand(hello, ["CLIENT", "SETNAME", ClientName]);
            mustSucceed.Add(false);
            WriteCommand(hello, ["PING"]);
            mustSucceed.Add(true);
            await socket.SendAsync(hello.WrittenMemory, SocketFlags.None, deadline.Token);

            var buffer = new byte[1024];
            var filled = 0;
            var offset = 0;
            var answered = 0;
            while (answered < mustSucceed.Count)
            {
                if (offset < filled && RespParser.TryParse(buffer.AsSpan(offset, filled - offset), out var reply, out var consumed))
                {
                    offset += consumed;
                    if (reply.IsError && mustSucceed[answered])
                    {
                        throw RespErrors.ConnectionLost("Redis refused the connection set-up: " + reply.Text, type: ConnectionFailureType.AuthenticationFailure);
                    }

                    answered++;
                    continue;
                }

                if (filled == buffer.Length)
                {
                    throw new InvalidDataException("Redis answered the connection set-up with more than expected.");
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, deadline.Token);
                if (read == 0)
                {
                    throw RespErrors.ConnectionLost("Redis closed the connection during set-up.", type: ConnectionFailureType.SocketClosed);
                }

                filled += read;
            }

            return new Connection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static void WriteEval(ArrayBufferWriter<byte> output, RespOperation operation, RespCommandWriter arguments)
    {
        RespCommandWriter.WriteHeader(output, '*', 3 + arguments.Count);
        if (operation.SentByText)
        {
            RespCommandWriter.WriteBulk(output, "EVAL"u8);
            RespCommandWriter.WriteBulk(output, operation.Script!.Text);
        }
        else
        {
            RespCommandWriter.WriteBulk(output, "EVALSHA"u8);
            RespCommandWriter.WriteBulk(output, operation.Script!.Sha);
        }

        RespCommandWriter.WriteNumber(output, arguments.KeyCount);
        output.Write(arguments.WrittenSpan);
        arguments.Return();
    }

    private static void WriteCommand(ArrayBufferWriter<byte> output, string[] parts)
    {
        RespCommandWriter.WriteHeader(output, '*', parts.Length);
        foreach (var part in parts)
        {
            RespCommandWriter.WriteString(output, part);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Redis request-path connection is down, the multiplexer carries its commands until it is back: {Error}")]
    private partial void LogDisconnected(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Redis request-path connection cannot connect yet (retrying): {Error}")]
    private partial void LogConnectFailed(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "The Redis request-path connection is up again after {Attempts} attempt(s)")]
    private partial void LogConnected(int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Completing a Redis command failed")]
    private partial void LogCompletionFailed(Exception ex);

    private sealed class Connection(Socket socket)
    {
        public Socket Socket { get; } = socket;

        public Lock WriteLock { get; } = new();

        // Written under WriteLock, read by the reader, the only one to dequeue. Never peeked: ConcurrentQueue.TryPeek marks
        // the segment as observed, after which dequeues no longer clear its slots, so every answered command (with the
        // requests it carried) stayed reachable until the segment filled up — ~5 MB promoted per gen0 collection
        // under load, a sawtooth of 100 MiB in RSS, when the timeout check peeked every few milliseconds.
        private readonly ConcurrentQueue<RespOperation> _pending = new();
        private long _written;
        private long _answered;
        private long _progressAt;

        /// <summary>Commands written and not answered yet.</summary>
        public long InFlight => Interlocked.Read(ref _written) - Interlocked.Read(ref _answered);

        /// <summary>
        /// When the oldest unanswered command could last count as waiting no longer: the last answer, or the write of a
        /// command into an empty queue. The timeout is no answer for that long while commands wait.
        /// </summary>
        public long ProgressAt => Interlocked.Read(ref _progressAt);

        /// <summary>Queues a written command (under <see cref="WriteLock"/>).</summary>
        public void Enqueue(RespOperation operation)
        {
            if (Interlocked.Read(ref _written) == Interlocked.Read(ref _answered))
            {
                Interlocked.Exchange(ref _progressAt, Stopwatch.GetTimestamp());
            }

            // Counted before the reader can see it, so an answer is never counted ahead of its command.
            Interlocked.Increment(ref _written);
            _pending.Enqueue(operation);
        }

        /// <summary>The command an answer belongs to (the reader's; or at failure, each one left).</summary>
        public bool TryDequeue([System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out RespOperation operation)
        {
            if (!_pending.TryDequeue(out operation))
            {
                return false;
            }

            Interlocked.Exchange(ref _progressAt, Stopwatch.GetTimestamp());
            Interlocked.Increment(ref _answered);
            return true;
        }

        /// <summary>Commands written since the last send began; swapped with <see cref="Spare"/> by the sender.</summary>
        public ArrayBufferWriter<byte> Out { get; set; } = new(4096);

        public ArrayBufferWriter<byte> Spare { get; set; } = new(4096);

        public bool Flushing { get; set; }

        public bool Failed { get; set; }

        public Exception? FailReason { get; set; }
    }
}
