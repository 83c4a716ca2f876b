using System.Text;
using MassRouter.Gateway.Resilience;

namespace MassRouter.Gateway.Tests.Resilience;

public class ContextLengthErrorsTests
{
    [Theory]
    [InlineData("""{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}""")]
    [InlineData("""{"error":{"message":"Your input exceeds the context window of this model. Please adjust your input and try again.","type":"invalid_request_error","param":"input","code":"context_length_exceeded"}}""")]
    [InlineData("""{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 208403 tokens > 200000 maximum"}}""")]
    [InlineData("""{"type":"error","error":{"type":"invalid_request_error","message":"input length and `max_tokens` exceed context limit: 199000 + 8192 > 200000, decrease input length or `max_tokens` and try again"}}""")]
    [InlineData("""{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}""")]
    [InlineData("""{"id":"c0ffee","message":"too many tokens: total number of tokens in the prompt cannot exceed 128000 - received 131072."}""")]
    [InlineData("""{"message":"Input is too long for requested model."}""")]
    [InlineData("""{"object":"error","message":"This model's MAXIMUM CONTEXT LENGTH is 32768 tokens.","type":"BadRequestError","code":400}""")]
    public void AProvidersContextRefusal_IsRecognised(string body) => Assert.True(ContextLengthErrors.Match(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("""{"error":{"message":"Invalid type for 'max_tokens': expected an integer.","type":"invalid_request_error","param":"max_tokens","code":"invalid_type"}}""")]
    [InlineData("""{"type":"error","error":{"type":"invalid_request_error","message":"messages: roles must alternate"}}""")]
    [InlineData("""{"error":{"message":"Your request was rejected as a result of our safety system.","code":"content_policy_violation"}}""")]
    [InlineData("")]
    public void AnyOtherClientError_IsNot(string body) => Assert.False(ContextLengthErrors.Match(Encoding.UTF8.GetBytes(body)));
}
