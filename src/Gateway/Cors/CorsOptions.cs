namespace MassRouter.Gateway.Cors;

/// <summary>Browser access to the data plane (<c>/v1/...</c>): which web pages may call the gateway from another origin.</summary>
public sealed class CorsOptions
{
    /// <summary>Answer cross-origin requests (on by default, as OpenAI's and OpenRouter's APIs do).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Origins allowed, e.g. <c>https://app.example.com</c>, or <c>https://*.example.com</c> for its subdomains;
    /// empty (the default) allows any origin. Keys authenticate by header, never by cookie, so no credentials are allowed.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>How long a browser may cache a preflight's answer (Chromium keeps it at most two hours).</summary>
    public TimeSpan PreflightMaxAge { get; set; } = TimeSpan.FromHours(2);
}
