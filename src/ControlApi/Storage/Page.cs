namespace MassRouter.ControlApi.Storage;

/// <summary>One page of a list; every list endpoint returns this shape.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int PageNumber, int PageSize, long Total);

/// <summary>Page parameters, bound from <c>?page=&amp;pageSize=</c> and clamped to sane bounds.</summary>
public readonly record struct PageRequest(int PageNumber, int PageSize)
{
    public const int DefaultSize = 50;
    public const int MaxSize = 200;

    public int Offset => (PageNumber - 1) * PageSize;

    public static PageRequest From(int? page, int? pageSize) =>
        new(Math.Max(1, page ?? 1), Math.Clamp(pageSize ?? DefaultSize, 1, MaxSize));

    public Page<T> Of<T>(IEnumerable<T> items, long total) => new(items.ToList(), PageNumber, PageSize, total);
}
