using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net.Http.Headers;
using LlmOps.Contracts.Tracing;
using LlmOps.TraceCollector.Features.Otlp;
using LlmOps.TraceCollector.Infrastructure;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>
/// The collector host (<see cref="CollectorHost"/>) with a 64 KiB ingest cap (so the size tests stay small), and the
/// OTLP requests and reads the tests need.
/// </summary>
public sealed class OtlpHost : IAsyncLifetime
{
    public const string KeyOfA = CollectorHost.KeyOfA;
    public const string KeyOfB = CollectorHost.KeyOfB;
    public const long MaxIngestBytes = 64 * 1024;

    private CollectorHost _collector = null!;

    public Uri BaseAddress => _collector.Host.BaseAddress;

    public ConcurrentQueue<TraceCompleted> Completed => _collector.Completed;

    public async ValueTask InitializeAsync() =>
        _collector = await CollectorHost.StartAsync(new Dictionary<string, string?>
        {
            ["TraceCollector:MaxIngestBytes"] = MaxIngestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public ValueTask DisposeAsync() => _collector.DisposeAsync();

    public HttpClient CreateClient(string? key) => _collector.Host.CreateClient(key);

    public async Task<HttpResponseMessage> PostAsync(string? key, byte[] body, string contentType, bool gzip = false)
    {
        using var client = CreateClient(key);
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip)
            content.Headers.ContentEncoding.Add("gzip");
        return await client.PostAsync(OtlpTracesEndpoint.Route, content);
    }

    public async Task<List<ObservationRecord>> ObservationsAsync(string projectId, string traceId) =>
        (await _collector.ReadAsync(projectId, traceId)).Observations;

    public async Task<TraceRecord?> TraceAsync(string projectId, string traceId) => (await _collector.ReadAsync(projectId, traceId)).Trace;

    public async Task<List<ScoreRecord>> ScoresAsync(string projectId, string traceId) => (await _collector.ReadAsync(projectId, traceId)).Scores;

    public static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
            gzip.Write(body);
        return output.ToArray();
    }
}
