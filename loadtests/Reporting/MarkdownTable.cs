using System.Globalization;
using System.Text;

namespace MassRouter.LoadTests.Reporting;

/// <summary>A Markdown table built row by row; cells format numbers invariantly and nulls as a dash.</summary>
internal sealed class MarkdownTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public MarkdownTable(params string[] headers) => _headers = headers;

    public MarkdownTable Row(params object?[] cells)
    {
        _rows.Add([.. cells.Select(Cell)]);
        return this;
    }

    public static string Cell(object? value) => value switch
    {
        null => "–",
        double d when double.IsPositiveInfinity(d) => "∞",
        double d => d.ToString(Math.Abs(d) >= 100 ? "N0" : "0.###", CultureInfo.InvariantCulture),
        bool b => b ? "yes" : "no",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!.Replace("|", "\\|", StringComparison.Ordinal),
    };

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", _headers).AppendLine(" |");
        text.Append('|').AppendJoin('|', _headers.Select(_ => " --- ")).AppendLine("|");
        foreach (var row in _rows)
        {
            text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        }

        return text.ToString();
    }
}
