using System.Globalization;
using System.Text.Json;
using MassRouter.Gateway.Errors;

namespace MassRouter.Gateway.Routing;

/// <summary>
/// <c>GET /v1/models</c> in Anthropic's shape, for the Anthropic SDKs' <c>models.list()</c>: pages of
/// <c>{type, id, display_name, created_at}</c> with <c>first_id</c>, <c>last_id</c> and <c>has_more</c>, paged by
/// <c>limit</c> (1 to 1000, 20 by default), <c>after_id</c> and <c>before_id</c> in catalog order.
/// </summary>
internal static class AnthropicModelList
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 1000;

    // The catalog keeps no release date; the epoch says "unknown" in the field's own format.
    private const string UnknownCreation = "1970-01-01T00:00:00Z";

    public static async Task WriteAsync(HttpContext context, IReadOnlyList<ModelRoute> models)
    {
        var query = context.Request.Query;
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var limitText)
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            await AnthropicErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, $"limit: Input should be an integer from 1 to {MaxLimit}");
            return;
        }

        // The models strictly after after_id and strictly before before_id (an id not listed leaves nothing on its side).
        var start = 0;
        var end = models.Count;
        if (query["after_id"].ToString() is { Length: > 0 } afterId)
        {
            var index = IndexOf(models, afterId);
            start = index < 0 ? models.Count : index + 1;
        }

        if (query["before_id"].ToString() is { Length: > 0 } beforeId)
        {
            var index = IndexOf(models, beforeId);
            end = index < 0 ? 0 : index;
        }

        // Paging backwards (before_id alone) takes the page nearest to it, as Anthropic's cursor does.
        var backwards = query.ContainsKey("before_id") && !query.ContainsKey("after_id");
        var from = start;
        var to = Math.Max(start, end);
        if (to - from > limit)
        {
            (from, to) = backwards ? (to - limit, to) : (from, from + limit);
        }

        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteStartArray("data");
        for (var i = from; i < to; i++)
        {
            WriteModel(writer, models[i]);
        }

        writer.WriteEndArray();
        writer.WriteBoolean("has_more", backwards ? from > start : to < end);
        WriteIdOrNull(writer, "first_id", from < to ? models[from].Id : null);
        WriteIdOrNull(writer, "last_id", from < to ? models[to - 1].Id : null);
        writer.WriteEndObject();
    }

    public static void WriteModel(Utf8JsonWriter writer, ModelRoute model)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "model");
        writer.WriteString("id", model.Id);
        writer.WriteString("display_name", model.Id);
        writer.WriteString("created_at", UnknownCreation);
        writer.WriteString("lifecycle", "active");
        writer.WriteEndObject();
    }

    private static int IndexOf(IReadOnlyList<ModelRoute> models, string id)
    {
        for (var i = 0; i < models.Count; i++)
        {
            if (models[i].Id == id)
            {
                return i;
            }
        }

        return -1;
    }

    private static void WriteIdOrNull(Utf8JsonWriter writer, string name, string? id)
    {
        if (id is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, id);
        }
    }
}
