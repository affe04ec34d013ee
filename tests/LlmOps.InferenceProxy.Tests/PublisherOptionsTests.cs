using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Tests;

/// <summary>The event publisher's timing settings are checked at start-up, not discovered during the first outage.</summary>
public class PublisherOptionsTests
{
    private static Dictionary<string, string?> Settings(string spoolAfter, string publishTimeout) => new()
    {
        ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
        ["InferenceProxy:Budgets:Enabled"] = "false",
        ["InferenceProxy:Deployments:0:Name"] = "sim",
        ["InferenceProxy:Deployments:0:BaseUrl"] = "http://127.0.0.1:9/v1",
        ["InferenceProxy:Deployments:0:Models:0"] = "*",
        ["InferenceProxy:SpoolAfter"] = spoolAfter,
        ["InferenceProxy:PublishTimeout"] = publishTimeout,
    };

    [Theory]
    [InlineData("00:00:02", "00:00:02")] // spooling ahead must come before the deadline
    [InlineData("00:00:03", "00:00:02")]
    [InlineData("00:00:00.001", "00:00:02")] // below the range: every ordinary confirm would spool
    public async Task A_SpoolAfter_not_shorter_than_PublishTimeout_or_out_of_range_stops_the_gateway_at_start(string spoolAfter, string publishTimeout)
    {
        var failure = await Assert.ThrowsAnyAsync<OptionsValidationException>(async () =>
        {
            await using var host = await GatewayHost.StartAsync(new InferenceCapture(), Settings(spoolAfter, publishTimeout));
        });

        Assert.Contains("SpoolAfter", failure.Message);
    }

    [Fact]
    public async Task Unset_the_gateway_starts_spooling_ahead_after_200_ms_a_tenth_of_the_publish_deadline()
    {
        var settings = Settings("", "");
        settings.Remove("InferenceProxy:SpoolAfter");
        settings.Remove("InferenceProxy:PublishTimeout");

        await using var host = await GatewayHost.StartAsync(new InferenceCapture(), settings);

        var options = host.Services.GetRequiredService<IOptions<InferenceProxyOptions>>().Value;
        Assert.Equal(TimeSpan.FromMilliseconds(200), options.SpoolAfter);
        Assert.Equal(TimeSpan.FromSeconds(2), options.PublishTimeout);
    }
}
