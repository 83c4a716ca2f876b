namespace MassRouter.Simulator.Replay;

/// <summary>A fixture ready to be written: its bytes, status and content type, and for streams where each event ends.</summary>
internal sealed class ReplayFixture
{
    public ReplayFixture(byte[] body, int statusCode, string contentType, int[]? eventEnds)
    {
        Body = body;
        StatusCode = statusCode;
        ContentType = contentType;
        EventEnds = eventEnds;
    }

    public byte[] Body { get; }

    public int StatusCode { get; }

    public string ContentType { get; }

    /// <summary>Exclusive end offset of each event in <see cref="Body"/>; null when the body is written in one piece.</summary>
    public int[]? EventEnds { get; }
}
