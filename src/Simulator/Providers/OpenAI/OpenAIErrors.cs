using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>OpenAI error bodies, in OpenAI's wire order (message, type, param, code).</summary>
internal static class OpenAIErrors
{
    /// <summary>Writes the error body for <paramref name="statusCode"/>, with the <c>Retry-After</c> OpenAI sends on 429 and 503.</summary>
    public static Task WriteAsync(HttpContext context, int statusCode)
    {
        if (statusCode is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        return Exchange.JsonResponse.WriteAsync(context, statusCode, ForStatus(statusCode));
    }

    // 400 and 404 carry the content of openai/openai-chat-error-400-invalid-request.response.json and
    // openai/openai-chat-error-404-model-not-found.response.json (stored there with sorted keys).
    public static ReadOnlyMemory<byte> BadRequest { get; } =
        """{"error":{"message":"Web search options not supported with this model.","type":"invalid_request_error","param":"web_search_options","code":null}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> NotFound { get; } =
        """{"error":{"message":"The model `gpt-5.2-proo` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> Unauthorized { get; } =
        """{"error":{"message":"Incorrect API key provided: sk-sim*****************. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> TooManyRequests { get; } =
        """{"error":{"message":"Rate limit reached for requests. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits to learn more.","type":"requests","param":null,"code":"rate_limit_exceeded"}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> ServerError { get; } =
        """{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> Overloaded { get; } =
        """{"error":{"message":"The engine is currently overloaded, please try again later.","type":"server_error","param":null,"code":null}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> InvalidJson { get; } =
        """{"error":{"message":"We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)","type":"invalid_request_error","param":null,"code":null}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> MissingModel { get; } =
        """{"error":{"message":"you must provide a model parameter","type":"invalid_request_error","param":null,"code":null}}"""u8.ToArray();

    // The context-length bodies (the context-length fault) are quoted from OpenAI's documentation and its users' issue
    // reports, not from recorded traffic: the shared fixtures hold none.

    /// <summary>Chat completions' 400 for messages longer than the model's context window.</summary>
    public static ReadOnlyMemory<byte> ContextLengthExceeded { get; } =
        """{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"""u8.ToArray();

    /// <summary>The legacy Completions API's 400 for a prompt longer than the model's context window.</summary>
    public static ReadOnlyMemory<byte> PromptContextLengthExceeded { get; } =
        """{"error":{"message":"This model's maximum context length is 128000 tokens. However, your prompt resulted in 131072 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"prompt","code":"context_length_exceeded"}}"""u8.ToArray();

    /// <summary>The Responses API's 400 for an input longer than the model's context window.</summary>
    public static ReadOnlyMemory<byte> ContextWindowExceeded { get; } =
        """{"error":{"message":"Your input exceeds the context window of this model. Please adjust your input and try again.","type":"invalid_request_error","param":"input","code":"context_length_exceeded"}}"""u8.ToArray();

    /// <summary>The embeddings 400 for an input longer than the model takes: no param, no code.</summary>
    public static ReadOnlyMemory<byte> EmbeddingsContextLengthExceeded { get; } =
        """{"error":{"message":"This model's maximum context length is 8192 tokens, however you requested 9000 tokens (9000 in your prompt; 0 for the completion). Please reduce your prompt; or completion length.","type":"invalid_request_error","param":null,"code":null}}"""u8.ToArray();

    /// <summary>What OpenAI sends as an SSE event when a stream fails after it started.</summary>
    public static ReadOnlyMemory<byte> MidstreamEvent { get; } =
        "data: {\"error\":{\"message\":\"The server had an error while processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n"u8.ToArray();

    public static ReadOnlyMemory<byte> ForStatus(int statusCode) => statusCode switch
    {
        StatusCodes.Status400BadRequest => BadRequest,
        StatusCodes.Status401Unauthorized => Unauthorized,
        StatusCodes.Status404NotFound => NotFound,
        StatusCodes.Status429TooManyRequests => TooManyRequests,
        StatusCodes.Status500InternalServerError => ServerError,
        StatusCodes.Status503ServiceUnavailable => Overloaded,
        _ => Encoding.UTF8.GetBytes(
            $$$"""{"error":{"message":"Simulated HTTP {{{statusCode}}} error.","type":"{{{(statusCode < 500 ? "invalid_request_error" : "server_error")}}}","param":null,"code":null}}"""),
    };

    /// <summary>The most choices one request may ask for (<c>n</c>).</summary>
    public const int MaxChoices = 128;

    public static ReadOnlyMemory<byte> ChoicesOutOfRange(int value) => Encoding.UTF8.GetBytes(value < 1
        ? $$$"""{"error":{"message":"Invalid 'n': integer below minimum value. Expected a value >= 1, but got {{{value}}} instead.","type":"invalid_request_error","param":"n","code":"integer_below_min_value"}}"""
        : $$$"""{"error":{"message":"Invalid 'n': integer above maximum value. Expected a value <= {{{MaxChoices}}}, but got {{{value}}} instead.","type":"invalid_request_error","param":"n","code":"integer_above_max_value"}}""");

    /// <summary>A <c>max_tokens</c> below <paramref name="minimum"/>: 1 for chat completions, 0 for the legacy Completions API.</summary>
    public static ReadOnlyMemory<byte> MaxTokensBelowMinimum(int value, int minimum = 1) => Encoding.UTF8.GetBytes(
        $$$"""{"error":{"message":"Invalid 'max_tokens': integer below minimum value. Expected a value >= {{{minimum}}}, but got {{{value}}} instead.","type":"invalid_request_error","param":"max_tokens","code":"integer_below_min_value"}}""");

    /// <summary>
    /// OpenAI's answer to a field whose value has a shape it does not take (an embeddings <c>input</c> or a completions
    /// <c>prompt</c> of the wrong type, an empty string among embeddings inputs), quoted from its users' reports for <c>input</c>.
    /// </summary>
    public static ReadOnlyMemory<byte> InvalidField(string name) => Encoding.UTF8.GetBytes(
        $$$"""{"error":{"message":"'$.{{{name}}}' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.","type":"invalid_request_error","param":null,"code":null}}""");

    /// <summary>The smallest <c>max_output_tokens</c> the Responses API accepts.</summary>
    public const int MinOutputTokens = 16;

    public static ReadOnlyMemory<byte> MaxOutputTokensBelowMinimum(int value) => Encoding.UTF8.GetBytes(
        $$$"""{"error":{"message":"Invalid 'max_output_tokens': integer below minimum value. Expected a value >= {{{MinOutputTokens}}}, but got {{{value}}} instead.","type":"invalid_request_error","param":"max_output_tokens","code":"integer_below_min_value"}}""");

    /// <summary>A create request whose <c>previous_response_id</c> names no stored response.</summary>
    public static ReadOnlyMemory<byte> PreviousResponseNotFound(string id) =>
        InvalidRequest($"Previous response with id '{id}' not found.", "previous_response_id", "previous_response_not_found");

    /// <summary>The 404 of a retrieve, delete, cancel or input-items listing of a response that is not stored.</summary>
    public static ReadOnlyMemory<byte> ResponseNotFound(string id) => InvalidRequest($"Response with id '{id}' not found.", param: null, code: null);

    /// <summary>Cancelling a response that was not created in the background.</summary>
    public static ReadOnlyMemory<byte> OnlyBackgroundResponsesCancellable { get; } =
        """{"error":{"message":"Only responses created with background=true can be cancelled.","type":"invalid_request_error","param":null,"code":null}}"""u8.ToArray();

    /// <summary>Cancelling a background response that has finished or failed (a cancelled one is answered as it is).</summary>
    public static ReadOnlyMemory<byte> CannotCancel(OpenAIResponseStatus status) => InvalidRequest(
        status switch
        {
            OpenAIResponseStatus.Completed => "Cannot cancel a completed response.",
            OpenAIResponseStatus.Failed => "Cannot cancel a failed response.",
            _ => "Cannot cancel a response in terminal state.",
        },
        param: null,
        code: null);

    /// <summary>
    /// A create request with <c>background</c> on and <c>store</c> off: a background response must be stored to be polled.
    /// OpenAI's exact message is not published; type, param and code are those it is documented with.
    /// </summary>
    public static ReadOnlyMemory<byte> BackgroundWithoutStore { get; } =
        """{"error":{"message":"background=true requires store=true.","type":"invalid_request_error","param":"background","code":"unsupported_parameter"}}"""u8.ToArray();

    /// <summary><c>GET /v1/responses/{id}?stream=true</c> of a response not created with <c>background</c> on.</summary>
    public static ReadOnlyMemory<byte> NotStreamableWithoutBackground { get; } =
        """{"error":{"message":"This response cannot be streamed because it was not created with background=true.","type":"invalid_request_error","param":"stream","code":"invalid_request_error"}}"""u8.ToArray();

    /// <summary><c>GET /v1/responses/{id}?stream=true</c> of a background response not created with <c>stream</c> on.</summary>
    public static ReadOnlyMemory<byte> NotStreamableWithoutStream { get; } =
        """{"error":{"message":"This response cannot be streamed because it was not created with stream=true.","type":"invalid_request_error","param":"stream","code":"invalid_request_error"}}"""u8.ToArray();

    /// <summary>
    /// The 404 of a Conversations API call on a conversation that is not stored, and of a create-response request whose
    /// <c>conversation</c> names one (<paramref name="param"/> <c>conversation</c> there).
    /// </summary>
    public static ReadOnlyMemory<byte> ConversationNotFound(string id, string? param) =>
        InvalidRequest($"Conversation with id '{id}' not found.", param, code: null);

    /// <summary>The 404 of a retrieve or delete of a conversation item that is not there.</summary>
    public static ReadOnlyMemory<byte> ItemNotFound(string id) => InvalidRequest($"Item with id '{id}' not found.", param: null, code: null);

    /// <summary>A create-response request with both <c>previous_response_id</c> and <c>conversation</c>.</summary>
    public static ReadOnlyMemory<byte> ConversationWithPreviousResponse { get; } =
        """{"error":{"message":"Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.","type":"invalid_request_error","param":null,"code":"mutually_exclusive_parameters"}}"""u8.ToArray();

    public static ReadOnlyMemory<byte> MissingParameter(string param) =>
        InvalidRequest($"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    /// <summary>A string outside the values a field takes; <paramref name="supported"/> reads "'text' and 'image_url'".</summary>
    public static ReadOnlyMemory<byte> InvalidValue(string param, string value, string supported) =>
        InvalidRequest($"Invalid value: '{value}'. Supported values are: {supported}.", param, "invalid_value");

    /// <summary>A value of the wrong JSON type; <paramref name="expected"/> and <paramref name="actual"/> read "an array", "a string"...</summary>
    public static ReadOnlyMemory<byte> InvalidType(string param, string expected, string actual) =>
        InvalidRequest($"Invalid type for '{param}': expected {expected}, but got {actual} instead.", param, "invalid_type");

    public static ReadOnlyMemory<byte> ArrayTooLong(string param, int max, int length) =>
        InvalidRequest(
            $"Invalid '{param}': array too long. Expected an array with maximum length {max}, but got an array with length {length} instead.",
            param,
            "array_above_max_length");

    public static ReadOnlyMemory<byte> EmptyArray(string param) =>
        InvalidRequest($"Invalid '{param}': empty array. Expected an array with minimum length 1, but got an empty array instead.", param, "empty_array");

    /// <summary>What the Responses API sends when a stream fails after it started: an <c>error</c> event, not a response.failed.</summary>
    public static ReadOnlyMemory<byte> ResponsesMidstreamEvent { get; } =
        "event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":\"The server had an error while processing your request. Sorry about that!\",\"param\":null,\"sequence_number\":0}\n\n"u8.ToArray();

    /// <summary>An <c>invalid_request_error</c> whose message quotes what the client sent (escaped, quotes and all, as JSON needs).</summary>
    private static ReadOnlyMemory<byte> InvalidRequest(string message, string? param, string? code)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + message.Length);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("error"u8);
            json.WriteString("message"u8, message);
            json.WriteString("type"u8, "invalid_request_error"u8);
            json.WriteString("param"u8, param);
            json.WriteString("code"u8, code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }
}
