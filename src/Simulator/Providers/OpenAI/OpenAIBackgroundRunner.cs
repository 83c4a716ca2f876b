namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Runs the simulator's background responses on the thread pool and stops them with the host: stopping (or disposing)
/// ends every one still generating (<c>failed</c>, as an interrupted generation) and waits until they have ended, so no
/// generation outlives the simulator. Later ones end as soon as they start.
/// </summary>
internal sealed class OpenAIBackgroundRunner : IHostedLifecycleService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _lock = new();
    private readonly HashSet<Task> _running = [];

    /// <summary>The responses generating now.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _running.Count;
            }
        }
    }

    public void Start(OpenAIBackgroundResponse response)
    {
        var run = Task.Run(() => response.RunAsync(_stopping.Token));
        lock (_lock)
        {
            _running.Add(run);
        }

        // Registered after the add, so a run that already ended is still forgotten.
        run.ContinueWith(
            static (ended, runner) => ((OpenAIBackgroundRunner)runner!).Forget(ended),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Ends the responses before any service stops: Kestrel, stopping, waits for its requests, and a stream of a background
    /// response lasts until the response ends.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        Task[] running;
        lock (_lock)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private void Forget(Task run)
    {
        lock (_lock)
        {
            _running.Remove(run);
        }
    }
}
