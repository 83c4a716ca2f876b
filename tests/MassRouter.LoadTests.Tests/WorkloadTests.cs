using MassRouter.LoadTests.Engine;
using MassRouter.LoadTests.Targets;

namespace MassRouter.LoadTests.Tests;

/// <summary>Weighted template picking and target parsing.</summary>
public sealed class WorkloadTests
{
    private static readonly TargetSpec _target = TargetSpec.Parse("name=t;url=http://127.0.0.1:1;model=m;header=Authorization: Bearer k;pid=42");

    [Fact]
    public void Templates_are_picked_in_proportion_to_their_weights()
    {
        var workload = new Workload(
            (RequestTemplate.Chat(_target, "stream", new ChatShape { Stream = true }), 70),
            (RequestTemplate.Chat(_target, "whole", new ChatShape()), 30));
        var random = new Random(7);
        var streams = 0;
        for (var i = 0; i < 100_000; i++)
        {
            streams += workload.Pick(random) == 0 ? 1 : 0;
        }

        Assert.InRange(streams, 69_000, 71_000);
    }

    [Fact]
    public void A_target_spec_carries_headers_pid_and_model_into_the_requests()
    {
        var template = RequestTemplate.Chat(_target, "x", new ChatShape { Stream = true, Tokens = 8, InterTokenMs = 20, Fault = "status:503" });

        Assert.Equal(42, _target.Pid);
        Assert.Equal("http://127.0.0.1:1/v1/chat/completions", template.Uri.ToString());
        Assert.Contains(template.Headers, h => h.Key == "Authorization" && h.Value == "Bearer k");
        Assert.Contains(template.Headers, h => h.Key == "x-sim-itl-ms" && h.Value == "20");
        Assert.Contains(template.Headers, h => h.Key == "x-sim-fault" && h.Value == "status:503");
        Assert.True(template.ExpectFailure);
        Assert.Equal(8, template.ExpectedContentFrames);
        Assert.Contains("\"model\":\"m\"", System.Text.Encoding.UTF8.GetString(template.Body), StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_request_key_replaces_the_targets_authorization()
    {
        var template = RequestTemplate.Chat(_target, "x", new ChatShape { ApiKey = "other" });

        var authorization = Assert.Single(template.Headers, h => h.Key == "Authorization");
        Assert.Equal("Bearer other", authorization.Value);
    }
}
