using System.Net;
using LlmOps.ServiceDefaults;
using LlmOps.Testing;

namespace LlmOps.Alerting.Tests;

public class AlertingHostTests
{
    [Fact]
    public async Task The_alerting_host_starts_and_reports_ready_without_a_key_on_its_probes()
    {
        await using var host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults(AlertingExtensions.ServiceName);
                builder.AddAlerting();
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapAlertingEndpoints();
            },
            new Dictionary<string, string?> { ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")) });
        using var anonymous = host.CreateClient(bearerKey: null);

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        await Eventually.TrueAsync(async () => (await anonymous.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), "ready");
    }
}
