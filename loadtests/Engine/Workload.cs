namespace MassRouter.LoadTests.Engine;

/// <summary>Request templates with weights; picking one is a table lookup, no allocation.</summary>
internal sealed class Workload
{
    private const int Slots = 1000;
    private readonly byte[] _table = new byte[Slots];

    public Workload(params (RequestTemplate Template, int Weight)[] entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Length is 0 or > 255)
        {
            throw new ArgumentException("A workload has 1 to 255 templates.", nameof(entries));
        }

        Templates = new RequestTemplate[entries.Length];
        var total = 0;
        foreach (var entry in entries)
        {
            total += entry.Weight;
        }

        var slot = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            Templates[i] = entries[i].Template;
            var end = i == entries.Length - 1 ? Slots : slot + (int)Math.Round((double)entries[i].Weight * Slots / total);
            for (; slot < end && slot < Slots; slot++)
            {
                _table[slot] = (byte)i;
            }
        }
    }

    public RequestTemplate[] Templates { get; }

    public int Pick(Random random) => _table[random.Next(Slots)];

    public static Workload Single(RequestTemplate template) => new((template, 1));
}
