namespace MassRouter.Gateway.Tests.Telemetry;

/// <summary>
/// What a PromQL expression needs from the exposition, read with a small lexer (no full grammar): the metric names it
/// selects with the label names of their matchers, and its <c>by</c>/<c>without</c>/<c>on</c>/<c>ignoring</c> label
/// lists with the metrics each applies to. Grafana variables (<c>$model</c>, <c>$__rate_interval</c>) only appear in
/// strings and ranges, which are skipped.
/// </summary>
internal sealed class PromQuery
{
    private static readonly HashSet<string> Aggregations = new(StringComparer.Ordinal)
    {
        "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio",
    };

    private static readonly HashSet<string> GroupingKeywords = new(StringComparer.Ordinal) { "by", "without", "on", "ignoring", "group_left", "group_right" };

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "bool", "and", "or", "unless", "offset", "atan2", "inf", "nan", "Inf", "NaN" };

    private PromQuery(List<MetricSelector> metrics, List<LabelGrouping> groupings, List<string> errors)
    {
        Metrics = metrics;
        Groupings = groupings;
        Errors = errors;
    }

    public IReadOnlyList<MetricSelector> Metrics { get; }

    public IReadOnlyList<LabelGrouping> Groupings { get; }

    /// <summary>What the lexer could not make sense of (a selector without a metric name, unbalanced parentheses).</summary>
    public IReadOnlyList<string> Errors { get; }

    public static PromQuery Parse(string expression)
    {
        var errors = new List<string>();
        var tokens = Tokenize(expression, errors);
        var metrics = new List<MetricSelector>();
        var metricAt = new Dictionary<int, MetricSelector>();
        var groupings = new List<LabelGrouping>();

        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var next = i + 1 < tokens.Count ? tokens[i + 1] : default;
            if (token.Kind == TokenKind.Selector && (i == 0 || tokens[i - 1].Kind != TokenKind.Identifier))
            {
                errors.Add($"a selector without a metric name at {token.Position}");
            }

            if (token.Kind != TokenKind.Identifier || Keywords.Contains(token.Text) || Aggregations.Contains(token.Text))
            {
                continue;
            }

            if (GroupingKeywords.Contains(token.Text))
            {
                if (next.Kind == TokenKind.LeftParen)
                {
                    var labelsEnd = Matching(tokens, i + 1);
                    var labels = tokens[(i + 2)..labelsEnd].Where(t => t.Kind == TokenKind.Identifier).Select(t => t.Text).ToList();
                    groupings.Add(new LabelGrouping(token.Text, labels, Scope(tokens, i, labelsEnd)));
                    i = labelsEnd;
                }

                continue;
            }

            if (next.Kind == TokenKind.LeftParen)
            {
                continue; // a function call
            }

            var selector = new MetricSelector(token.Text, next.Kind == TokenKind.Selector ? next.Labels! : new HashSet<string>(StringComparer.Ordinal));
            metrics.Add(selector);
            metricAt[i] = selector;
        }

        // Resolve the scopes (token ranges) to the metrics inside them.
        var resolved = groupings.Select(g => g with
        {
            Metrics = metricAt.Where(m => g.ScopeRange.Start.Value <= m.Key && m.Key < g.ScopeRange.End.Value).Select(m => m.Value).ToList(),
        }).ToList();
        return new PromQuery(metrics, resolved, errors);
    }

    // by/without: prefix form `sum by (l) (expr)` scopes the group after the label list, postfix form `sum (expr) by (l)`
    // the group before the keyword. on/ignoring/group_*: both sides of the binary operation, taken as the whole expression.
    private static Range Scope(List<Token> tokens, int keyword, int labelsEnd)
    {
        var text = tokens[keyword].Text;
        if (text is "by" or "without")
        {
            if (keyword > 0 && tokens[keyword - 1].Kind == TokenKind.Identifier && Aggregations.Contains(tokens[keyword - 1].Text)
                && labelsEnd + 1 < tokens.Count && tokens[labelsEnd + 1].Kind == TokenKind.LeftParen)
            {
                return new Range(labelsEnd + 1, Matching(tokens, labelsEnd + 1) + 1);
            }

            if (keyword > 0 && tokens[keyword - 1].Kind == TokenKind.RightParen)
            {
                return new Range(MatchingBackwards(tokens, keyword - 1), keyword);
            }
        }

        return new Range(0, tokens.Count);
    }

    private static int Matching(List<Token> tokens, int open)
    {
        var depth = 0;
        for (var i = open; i < tokens.Count; i++)
        {
            depth += tokens[i].Kind switch { TokenKind.LeftParen => 1, TokenKind.RightParen => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        return tokens.Count - 1;
    }

    private static int MatchingBackwards(List<Token> tokens, int close)
    {
        var depth = 0;
        for (var i = close; i >= 0; i--)
        {
            depth += tokens[i].Kind switch { TokenKind.RightParen => 1, TokenKind.LeftParen => -1, _ => 0 };
            if (depth == 0)
            {
                return i;
            }
        }

        return 0;
    }

    private static List<Token> Tokenize(string text, List<string> errors)
    {
        var tokens = new List<Token>();
        var depth = 0;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '"' or '\'' or '`')
            {
                i = SkipString(text, i);
            }
            else if (c == '[')
            {
                i = text.IndexOf(']', i) is var end and >= 0 ? end + 1 : text.Length;
            }
            else if (c == '{')
            {
                var start = i;
                var labels = new HashSet<string>(StringComparer.Ordinal);
                i = ReadMatchers(text, i + 1, labels);
                tokens.Add(new Token(TokenKind.Selector, "", start, labels));
            }
            else if (c is '(' or ')')
            {
                depth += c == '(' ? 1 : -1;
                tokens.Add(new Token(c == '(' ? TokenKind.LeftParen : TokenKind.RightParen, c.ToString(), i, null));
                i++;
            }
            else if (c == '$')
            {
                i++;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '{' or '}'))
                {
                    i++;
                }
            }
            else if (char.IsLetter(c) || c is '_' or ':')
            {
                var start = i;
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or ':'))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start, null));
            }
            else if (char.IsDigit(c) || c == '.')
            {
                // A number, or a duration outside brackets (offset 5m): digits, letters, dots, and an exponent's sign.
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '.'))
                {
                    i += (text[i] is 'e' or 'E') && i + 1 < text.Length && text[i + 1] is '+' or '-' ? 2 : 1;
                }
            }
            else
            {
                tokens.Add(new Token(TokenKind.Operator, c.ToString(), i, null));
                i++;
            }
        }

        if (depth != 0)
        {
            errors.Add("unbalanced parentheses");
        }

        return tokens;
    }

    // label op "value" [, label op "value"]... }
    private static int ReadMatchers(string text, int i, HashSet<string> labels)
    {
        while (i < text.Length && text[i] != '}')
        {
            if (char.IsWhiteSpace(text[i]) || text[i] == ',')
            {
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
            {
                i++;
            }

            labels.Add(text[start..i]);
            while (i < text.Length && text[i] is not ('"' or '\'' or '`'))
            {
                i++;
            }

            i = SkipString(text, i);
        }

        return i + 1;
    }

    private static int SkipString(string text, int open)
    {
        var quote = text[open];
        var i = open + 1;
        while (i < text.Length && text[i] != quote)
        {
            i += text[i] == '\\' ? 2 : 1;
        }

        return i + 1;
    }

    private enum TokenKind
    {
        None,
        Identifier,
        Selector,
        LeftParen,
        RightParen,
        Operator,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position, IReadOnlySet<string>? Labels);
}
