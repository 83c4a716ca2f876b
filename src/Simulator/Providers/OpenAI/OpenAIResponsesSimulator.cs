using System.Buffers;
using MassRouter.Simulator.Control;
using MassRouter.Simulator.Exchange;
using MassRouter.Simulator.Faults;
using MassRouter.Simulator.Generation;

namespace MassRouter.Simulator.Providers.OpenAI;

/// <summary>
/// Answers <c>POST /v1/responses</c>, OpenAI's Responses API, the way OpenAI does, streaming or not. A finished response
/// is kept in the store unless the request set <c>store</c> to false; one cut by a fault is not. A
/// <c>previous_response_id</c> must name a stored response, a <c>conversation</c> a stored conversation (not both): a
/// finished response in a conversation appends its input and output items to it.
/// </summary>
internal sealed class OpenAIResponsesSimulator : IProviderSimulator
{
    private readonly HoldGates _gates;
    private readonly OpenAIResponseStore _store;
    private readonly OpenAIConversationStore _conversations;

    public OpenAIResponsesSimulator(HoldGates gates, OpenAIResponseStore store, OpenAIConversationStore conversations)
    {
        _gates = gates;
        _store = store;
        _conversations = conversations;
    }

    public ReadOnlyMemory<byte> MidstreamErrorEvent => OpenAIErrors.ResponsesMidstreamEvent;

    public Task WriteErrorAsync(HttpContext context, int statusCode) => OpenAIErrors.WriteAsync(context, statusCode);

    public Task GenerateAsync(HttpContext context, ReadOnlySequence<byte> body, RequestControl control, string? routeModel)
    {
        if (!OpenAIResponsesRequest.TryParse(body, out var request))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.InvalidJson);
        }

        var model = routeModel ?? request.Model;
        if (string.IsNullOrEmpty(model))
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MissingModel);
        }

        if (request.MaxOutputTokens is { } limit && limit < OpenAIErrors.MinOutputTokens)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.MaxOutputTokensBelowMinimum(limit));
        }

        OpenAIConversation? conversation = null;
        if (request.Conversation is { } conversationId)
        {
            if (request.PreviousResponseId is not null)
            {
                return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.ConversationWithPreviousResponse);
            }

            conversation = _conversations.Find(conversationId);
            if (conversation is null)
            {
                return JsonResponse.WriteAsync(context, StatusCodes.Status404NotFound, OpenAIErrors.ConversationNotFound(conversationId, "conversation"));
            }
        }

        if (request.PreviousResponseId is { } previous && _store.Find(previous) is null)
        {
            return JsonResponse.WriteAsync(context, StatusCodes.Status400BadRequest, OpenAIErrors.PreviousResponseNotFound(previous));
        }

        // The limit cuts text only: a forced call is generated whole, as for chat.
        var settings = control.Generation;
        var plan = AnswerPlan.Create(settings, thinking: false, request.ForcedTool, request.MaxOutputTokens, body.Length);
        var response = new OpenAIResponseEncoder(model, request.MaxOutputTokens, plan, request.Store, request.PreviousResponseId, conversation?.Id);
        var store = request.Store ? _store : null;
        return request.Stream
            ? AnswerStreamer.StreamAsync(
                SimulatedStream.Start(context, settings, plan.ChunkCount(settings.ChunkSize), control.Faults, _gates, MidstreamErrorEvent),
                plan,
                new OpenAIResponsesEventEncoder(response, store, conversation, request.Input),
                settings.ChunkSize)
            : CompleteAsync(context, settings, response, control.Faults, store, conversation, request.Input);
    }

    private async Task CompleteAsync(
        HttpContext context,
        GenerationSettings settings,
        OpenAIResponseEncoder response,
        FaultPlan? faults,
        OpenAIResponseStore? store,
        OpenAIConversation? conversation,
        ReadOnlyMemory<byte> input)
    {
        var plan = response.Plan;
        if (!await SimulatedStream.BeforeCompleteAnswerAsync(context, settings, plan.ChunkCount(settings.ChunkSize), faults, _gates, WriteErrorAsync))
        {
            return;
        }

        var body = new ArrayBufferWriter<byte>(response.FinishedSizeHint);
        response.WriteResponse(body, finished: true);

        // Stored before it is sent: a client that has the body finds the response and the conversation's new items.
        store?.Add(new OpenAIStoredResponse(response.Id, body.WrittenMemory, input));
        conversation?.AppendTurn(input.Span, response.OutputItem());
        await JsonResponse.WriteAsync(context, StatusCodes.Status200OK, body.WrittenMemory);
    }
}
