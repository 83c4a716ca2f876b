using MassRouter.Gateway.Auth;
using MassRouter.Gateway.Routing;
using MassRouter.Gateway.Transforms.Usage;

namespace MassRouter.Gateway.Telemetry;

/// <summary>
/// One request's access-log line, filled as the request goes: the middleware (method, path, status, timing), the model
/// pipeline (key, model, provider, usage, cost) when the request reached it. A request feature while it runs.
/// </summary>
internal sealed class AccessLogEntry
{
    public DateTimeOffset Time { get; init; }

    public string Method { get; init; } = "";

    public string Path { get; init; } = "";

    public long Started { get; init; }

    public int Status { get; set; }

    public double DurationMs { get; set; }

    public string? RequestId { get; set; }

    public string? KeyId { get; set; }

    public string? Account { get; set; }

    public string? Api { get; set; }

    public string? Model { get; set; }

    public string? Provider { get; set; }

    public string? UpstreamModel { get; set; }

    public bool Stream { get; set; }

    public int Attempts { get; set; }

    public double? TimeToFirstTokenMs { get; set; }

    public TokenUsage Usage { get; set; }

    public long? CostNanos { get; set; }

    public string? Cache { get; set; }

    /// <summary>The code of the error the gateway answered with (<c>rate_limit_exceeded</c>, <c>model_not_found</c>, ...).</summary>
    public string? Error { get; set; }

    /// <summary>The request's key and what it asked for, as the pipeline starts.</summary>
    public void Describe(ApiKeyInfo key, string model, ClientApi api, bool stream)
    {
        KeyId = key.KeyId;
        Account = key.Account;
        Model = model;
        Api = GatewayMetrics.ApiLabels[(int)api];
        Stream = stream;
    }

    /// <summary>Answered from the response cache: nothing generated, nothing billed.</summary>
    public void AnsweredFromCache()
    {
        Cache = "hit";
        Provider = Caching.ResponseCaching.Provider;
        CostNanos = 0;
    }

    /// <summary>Who answered and what it used, once the answer is out.</summary>
    public void Answered(Deployment deployment, int attempts, TokenUsage usage, long firstOutput)
    {
        Provider = deployment.Provider.Name;
        UpstreamModel = deployment.UpstreamModel;
        Attempts = attempts;
        Usage = usage;
        if (usage.IsKnown)
        {
            CostNanos = deployment.Price.Cost(usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens);
        }

        if (firstOutput != 0)
        {
            TimeToFirstTokenMs = System.Diagnostics.Stopwatch.GetElapsedTime(Started, firstOutput).TotalMilliseconds;
        }
    }
}
