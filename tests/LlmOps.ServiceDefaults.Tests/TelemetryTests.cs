using System.Collections.Concurrent;
using System.Text;
using LlmOps.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmOps.ServiceDefaults.Tests;

public class TelemetryTests
{
    [Fact]
    public async Task With_an_otlp_endpoint_configured_request_spans_are_exported_over_otlp_http_protobuf()
    {
        var received = new ConcurrentQueue<(string Path, string ContentType, byte[] Body)>();
        await using var collector = await TestHost.StartAsync(_ => { }, app => app.MapPost("/v1/{signal}", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            received.Enqueue((context.Request.Path, context.Request.ContentType ?? "", buffer.ToArray()));
            return Results.Ok();
        }));
        await using var host = await DefaultsHost.StartAsync(new Dictionary<string, string?>
        {
            ["Telemetry:OtlpEndpoint"] = collector.BaseAddress.ToString().TrimEnd('/'),
            ["Telemetry:MetricExportIntervalMs"] = "500",
        });
        using var client = host.CreateClient();
        await client.GetAsync("/api/whoami");

        await Eventually.TrueAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/traces")), TimeSpan.FromSeconds(20),
            "a trace export");
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/metrics")), TimeSpan.FromSeconds(20),
            "a metrics export");

        var traces = received.First(r => r.Path == "/v1/traces");
        Assert.Equal("application/x-protobuf", traces.ContentType);
        var text = Encoding.UTF8.GetString(received.Where(r => r.Path == "/v1/traces").SelectMany(r => r.Body).ToArray());
        Assert.Contains("defaults-test", text);
        Assert.Contains("/api/whoami", text);
    }
}
