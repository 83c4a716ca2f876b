using System.Text;

namespace MassRouter.Gateway.Health;

/// <summary>
/// <c>GET /</c> (and <c>HEAD /</c>, which clients such as Claude Code send to check the address): what this address
/// serves, for a person opening it in a browser and for probes pointed at the root, instead of a 404.
/// </summary>
internal static class IndexApi
{
    public static IEndpointRouteBuilder MapIndex(this IEndpointRouteBuilder endpoints, bool besideControlApi)
    {
        var index = new StringBuilder(
            "{\"service\":\"MassRouter\",\"openai_base_url\":\"/v1\",\"anthropic_base_url\":\"/\","
            + "\"endpoints\":[\"POST /v1/chat/completions\",\"POST /v1/completions\",\"POST /v1/moderations\",\"POST /v1/embeddings\",\"POST /v1/responses\",\"POST /v1/responses/input_tokens\",\"POST /v1/responses/compact\",\"GET /v1/responses/{id}\",\"POST /v1/conversations\",\"POST /v1/messages\",\"POST /v1/messages/count_tokens\",\"GET /v1/models\",\"GET /v1/key\"],"
            + "\"health\":\"/healthz\",\"ready\":\"/readyz\",\"metrics\":\"/metrics\"");
        if (besideControlApi)
        {
            index.Append(",\"control_api\":\"/api\",\"control_api_reference\":\"/control/scalar/v1\"");
        }

        var body = Encoding.UTF8.GetBytes(index.Append('}').ToString());
        endpoints.MapMethods("/", HealthApi.Methods, (RequestDelegate)(context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = body.Length;
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        }));
        return endpoints;
    }
}
