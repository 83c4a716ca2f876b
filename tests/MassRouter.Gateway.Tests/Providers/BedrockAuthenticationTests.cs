using System.Text;
using MassRouter.Gateway.Configuration;
using MassRouter.Gateway.Providers;

namespace MassRouter.Gateway.Tests.Providers;

public class BedrockAuthenticationTests
{
    // AWS's published Signature Version 4 test suite (get-vanilla, post-vanilla): the example credentials, the example host,
    // 2015-08-30T12:36:00Z, region us-east-1, service "service".
    private static readonly AwsCredentials Example = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);
    private static readonly DateTimeOffset ExampleTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("GET", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")]
    [InlineData("POST", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")]
    public void Signature_MatchesAwsTestSuite(string method, string signature)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "https://example.amazonaws.com/");
        new AwsSigV4Signer(Example, "us-east-1", "service").Sign(request, [], ExampleTime);

        Assert.Equal("20150830T123600Z", Assert.Single(request.Headers.GetValues("x-amz-date")));
        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}",
            request.Headers.Authorization!.ToString());
    }

    [Fact]
    public void Signature_CoversTheBody_TheSessionToken_AndIsStableWithinADay()
    {
        var signer = new AwsSigV4Signer(Example with { SessionToken = "session-token" }, "eu-west-1", "bedrock");
        string Sign(string body, DateTimeOffset at)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "https://bedrock-runtime.eu-west-1.amazonaws.com/model/m/converse");
            signer.Sign(request, Encoding.UTF8.GetBytes(body), at);
            Assert.Equal("session-token", Assert.Single(request.Headers.GetValues("x-amz-security-token")));
            return request.Headers.Authorization!.Parameter!;
        }

        var signed = Sign("{\"messages\":[]}", ExampleTime);
        Assert.StartsWith("Credential=AKIDEXAMPLE/20150830/eu-west-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=", signed);
        Assert.Equal(signed, Sign("{\"messages\":[]}", ExampleTime));
        Assert.NotEqual(signed, Sign("{\"messages\":[ ]}", ExampleTime));
        Assert.NotEqual(signed, Sign("{\"messages\":[]}", ExampleTime.AddDays(1)));
    }

    [Fact]
    public void CanonicalUri_EncodesTheAlreadyEncodedPathAgain()
    {
        // Bedrock model ids carry a colon, sent as %3A and signed as %253A (every service but S3 encodes the path twice).
        var uri = new Uri("https://bedrock-runtime.us-east-1.amazonaws.com/model/" + Uri.EscapeDataString("us.amazon.nova-micro-v1:0") + "/converse-stream");
        Assert.Equal("/model/us.amazon.nova-micro-v1%253A0/converse-stream", AwsSigV4Signer.CanonicalUri(uri.AbsolutePath));
    }

    [Theory]
    [InlineData("AKIA1:secret", "AKIA1", "secret", null)]
    [InlineData("AKIA1:secret/with+chars:token==", "AKIA1", "secret/with+chars", "token==")]
    public void AccessKeyCredential_IsParsed(string credential, string id, string secret, string? token)
    {
        var keys = AwsCredentials.Parse(credential)!;
        Assert.Equal((id, secret, token), (keys.AccessKeyId, keys.SecretAccessKey, keys.SessionToken));
        Assert.DoesNotContain(secret, keys.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl")]
    [InlineData("bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t")]
    [InlineData("a:b:c:d")]
    [InlineData("a::c")]
    public void OtherCredentials_AreNotAccessKeys(string credential) => Assert.Null(AwsCredentials.Parse(credential));

    [Fact]
    public void Provider_WithAnApiKey_SendsItAsABearerToken()
    {
        using var provider = new ProviderEndpoint("bedrock", new ProviderOptions { Kind = "bedrock", Region = "us-west-2", ApiKey = "ABSKexample" });
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.ChatCompletionsUrl("anthropic.claude-3-haiku-20240307-v1:0"));
        provider.Authenticate(request.Headers);
        provider.Sign(request, []);

        Assert.Equal("https://bedrock-runtime.us-west-2.amazonaws.com", provider.BaseUrl);
        Assert.Equal("Bearer ABSKexample", request.Headers.Authorization!.ToString());
        Assert.False(request.Headers.Contains("x-amz-date"));
    }

    [Fact]
    public void AmbientAwsCredentials_GoToAwsHostsOnly()
    {
        Environment.SetEnvironmentVariable("AWS_BEARER_TOKEN_BEDROCK", "ABSKambient");
        try
        {
            using var aws = new ProviderEndpoint("aws", new ProviderOptions { Kind = "bedrock", Region = "us-east-1" });
            using var local = new ProviderEndpoint("local", new ProviderOptions { Kind = "bedrock", BaseUrl = "http://127.0.0.1:1", Region = "us-east-1" });

            Assert.Equal("ABSKambient", aws.Credential);
            Assert.Null(local.Credential);
            Assert.Null(local.Signer);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_BEARER_TOKEN_BEDROCK", null);
        }
    }

    [Fact]
    public void Provider_WithAccessKeys_SignsForTheRegionItsHostNames()
    {
        using var provider = new ProviderEndpoint("bedrock", new ProviderOptions
        {
            Kind = "bedrock",
            BaseUrl = "https://bedrock-runtime.ap-southeast-2.amazonaws.com/",
            ApiKey = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        });
        using var request = new HttpRequestMessage(HttpMethod.Post, provider.ChatCompletionsUrl("anthropic.claude-3-haiku-20240307-v1:0", stream: true));
        provider.Authenticate(request.Headers);
        provider.Sign(request, "{}"u8);

        Assert.Null(provider.Credential);
        Assert.EndsWith("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", request.RequestUri!.AbsoluteUri, StringComparison.Ordinal);
        var authorization = request.Headers.Authorization!;
        Assert.Equal("AWS4-HMAC-SHA256", authorization.Scheme);
        Assert.Matches(@"^Credential=AKIDEXAMPLE/\d{8}/ap-southeast-2/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$", authorization.Parameter);
    }

    [Theory]
    [InlineData("", "us-east-1", "AKIA:secret", null)]
    [InlineData("https://bedrock-runtime.us-east-1.amazonaws.com", null, "AKIA:secret", null)]
    [InlineData("http://127.0.0.1:1", null, "ABSKkey", null)]
    [InlineData("http://127.0.0.1:1", "us-east-1", "AKIA:secret", null)]
    [InlineData("", null, "ABSKkey", "BaseUrl '' must be an absolute http(s) URL (or leave it out and set Region)")]
    [InlineData("http://127.0.0.1:1", null, "AKIA:secret", "Region is required")]
    [InlineData("http://127.0.0.1:1", "US East", "ABSKkey", "Region 'US East' is not an AWS region name")]
    [InlineData("http://127.0.0.1:1", "us-east-1", "a:b:c:d", "must be AWS access keys")]
    public void BedrockSettings_AreValidated(string baseUrl, string? region, string credential, string? failure)
    {
        var options = new GatewayOptions();
        options.Providers["b"] = new ProviderOptions { Kind = "bedrock", BaseUrl = baseUrl, Region = region, ApiKey = credential };

        var result = new GatewayOptionsValidator().Validate(null, options);

        if (failure is null)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        else
        {
            Assert.Contains("MassRouter:Providers:b", result.FailureMessage, StringComparison.Ordinal);
            Assert.Contains(failure, result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Region_OnAnotherKind_IsRejected()
    {
        var options = new GatewayOptions();
        options.Providers["o"] = new ProviderOptions { Kind = "openai", BaseUrl = "http://127.0.0.1:1/v1", Region = "us-east-1" };

        Assert.Contains("Region applies to Bedrock providers only", new GatewayOptionsValidator().Validate(null, options).FailureMessage, StringComparison.Ordinal);
    }
}
