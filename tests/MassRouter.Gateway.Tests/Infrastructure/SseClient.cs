using System.Text;

namespace MassRouter.Gateway.Tests.Infrastructure;

/// <summary>Reads an SSE response event by event, as a client sees it, with a deadline so nothing can hang a test.</summary>
public sealed class SseClient(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event's data lines joined, or null at end of stream.</summary>
    public async Task<string?> NextDataAsync(CancellationToken cancellationToken)
    {
        var data = new StringBuilder();
        var any = false;
        while (await _reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (any)
                {
                    return data.ToString();
                }

                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                if (any)
                {
                    data.Append('\n');
                }

                data.Append(line.AsSpan(line.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5));
                any = true;
            }
        }

        return any ? data.ToString() : null;
    }

    /// <summary>All remaining events' data.</summary>
    public async Task<List<string>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var all = new List<string>();
        while (await NextDataAsync(cancellationToken) is { } data)
        {
            all.Add(data);
        }

        return all;
    }

    public void Dispose() => _reader.Dispose();
}
