using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net.Http.Headers;
using LlmOps.Contracts.Tracing;
using LlmOps.ServiceDefaults;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.Testing;
using LlmOps.TraceCollector.Features.Otlp;
using LlmOps.TraceCollector.Infrastructure;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>
/// trace-collector over real HTTP with SQLite, composed as Program.cs composes it, plus <c>POST /v1/traces</c>; two
/// project keys; a 64 KiB ingest cap (so the size tests stay small); TraceCompleted captured from the in-memory bus.
/// </summary>
public sealed class OtlpHost : IAsyncLifetime
{
    public const string KeyOfA = "otlp-project-a-key-0123456789";
    public const string KeyOfB = "otlp-project-b-key-0123456789";
    public const long MaxIngestBytes = 64 * 1024;

    private TestHost _host = null!;

    public Uri BaseAddress => _host.BaseAddress;

    public ConcurrentQueue<TraceCompleted> Completed => _host.Services.GetRequiredService<CompletedCapture>().Messages;

    public sealed class CompletedCapture
    {
        public ConcurrentQueue<TraceCompleted> Messages { get; } = new();
    }

    public sealed class CompletedConsumer(CompletedCapture capture) : IConsumer<TraceCompleted>
    {
        public Task Consume(ConsumeContext<TraceCompleted> context)
        {
            capture.Messages.Enqueue(context.Message);
            return Task.CompletedTask;
        }
    }

    private sealed class TwoProjectKeys : IApiKeyResolver
    {
        public ValueTask<CallerIdentity?> ResolveAsync(string presentedKey, CancellationToken cancellationToken) =>
            ValueTask.FromResult(presentedKey switch
            {
                KeyOfA => CallerIdentity.ForProject("project-a", "key-a"),
                KeyOfB => CallerIdentity.ForProject("project-b", "key-b"),
                _ => null,
            });
    }

    public async ValueTask InitializeAsync() =>
        _host = await TestHost.StartAsync(
            builder =>
            {
                builder.AddServiceDefaults("trace-collector");
                builder.AddTraceCollector();
                builder.Services.AddSingleton<IApiKeyResolver, TwoProjectKeys>();
                builder.Services.AddSingleton<CompletedCapture>();
                builder.AddServiceConsumer<CompletedConsumer>("otlp-test");
            },
            app =>
            {
                app.MapDefaultEndpoints();
                app.MapTraceCollectorEndpoints();
                // Until MapTraceCollectorEndpoints maps the route itself; mapping it twice would make it ambiguous.
                var mapped = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                    .Any(e => e.RoutePattern.RawText == OtlpTracesEndpoint.Route);
                if (!mapped)
                    app.MapPost(OtlpTracesEndpoint.Route, OtlpTracesEndpoint.HandleAsync);
            },
            new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "llmops-tests", Guid.NewGuid().ToString("N")),
                ["TraceCollector:MaxIngestBytes"] = MaxIngestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["TraceCollector:QuietPeriodSeconds"] = "0",
                ["TraceCollector:CompletionScanIntervalMs"] = "100",
            });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    public HttpClient CreateClient(string? key) => _host.CreateClient(key);

    public async Task<HttpResponseMessage> PostAsync(string? key, byte[] body, string contentType, bool gzip = false)
    {
        using var client = CreateClient(key);
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
            content.Headers.ContentEncoding.Add("gzip");
        return await client.PostAsync(OtlpTracesEndpoint.Route, content);
    }

    public async Task<List<ObservationRecord>> ObservationsAsync(string projectId, string traceId)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        return await db.Observations.AsNoTracking().Where(o => o.ProjectId == projectId && o.TraceId == traceId).ToListAsync();
    }

    public async Task<TraceRecord?> TraceAsync(string projectId, string traceId)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TraceCollectorDbContext>();
        return await db.Traces.AsNoTracking().SingleOrDefaultAsync(t => t.ProjectId == projectId && t.Id == traceId);
    }

    public static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
            gzip.Write(body);
        return output.ToArray();
    }
}
