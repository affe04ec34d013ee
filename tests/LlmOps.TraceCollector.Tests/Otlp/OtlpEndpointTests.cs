using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Google.Protobuf;
using LlmOps.Testing;
using LlmOps.TraceCollector.Features.Otlp.Proto;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>The edges of <c>POST /v1/traces</c>: formats, limits, invalid spans, resends and whose project a span lands in.</summary>
public sealed class OtlpEndpointTests(OtlpHost host) : IClassFixture<OtlpHost>
{
    private static Span ValidSpan(string traceId, string name = "step") => OtlpRequests.Span(traceId, OtlpRequests.NewSpanId(), name);

    [Fact]
    public async Task Malformed_protobuf_and_malformed_json_get_400_with_a_clear_message()
    {
        var protobuf = await host.PostAsync(OtlpHost.KeyOfA, [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x01], OtlpRequests.Protobuf);
        var json = await host.PostAsync(OtlpHost.KeyOfA, Encoding.UTF8.GetBytes("{\"resourceSpans\": [ {"), OtlpRequests.Json);
        var wrongShape = await host.PostAsync(OtlpHost.KeyOfA, Encoding.UTF8.GetBytes("{\"resourceSpans\": 42}"), OtlpRequests.Json);

        Assert.Equal(HttpStatusCode.BadRequest, protobuf.StatusCode);
        Assert.Contains("not a protobuf-encoded ExportTraceServiceRequest", await protobuf.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
        Assert.Contains("not an OTLP/JSON ExportTraceServiceRequest", await json.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, wrongShape.StatusCode);
    }

    [Fact]
    public async Task Text_plain_gets_415()
    {
        var response = await host.PostAsync(OtlpHost.KeyOfA, Encoding.UTF8.GetBytes("hello"), "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/x-protobuf", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_over_the_cap_gets_413_also_when_a_small_gzip_body_decompresses_beyond_it()
    {
        var traceId = OtlpRequests.NewTraceId();
        var span = ValidSpan(traceId);
        span.Attributes.Add(OtlpRequests.Attribute("padding", new string('x', (int)OtlpHost.MaxIngestBytes)));
        var tooLarge = OtlpRequests.Request(span).ToByteArray();
        var compressed = OtlpHost.Gzip(tooLarge);
        Assert.True(compressed.Length < 1_024, "the gzip body should be small on the wire");

        var plain = await host.PostAsync(OtlpHost.KeyOfA, tooLarge, OtlpRequests.Protobuf);
        var bomb = await host.PostAsync(OtlpHost.KeyOfA, tooLarge, OtlpRequests.Protobuf, gzip: true);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, plain.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bomb.StatusCode);
        Assert.Empty(await host.ObservationsAsync("project-a", traceId));
    }

    [Fact]
    public async Task A_gzip_body_is_accepted_in_both_formats()
    {
        var protobufTrace = OtlpRequests.NewTraceId();
        var jsonTrace = OtlpRequests.NewTraceId();
        var json = $$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"{{jsonTrace}}","spanId":"{{OtlpRequests.NewSpanId()}}","name":"gz",
              "startTimeUnixNano":"1731000000000000000","endTimeUnixNano":"1731000001000000000"}]}]}]}
            """;

        var protobuf = await host.PostAsync(OtlpHost.KeyOfA, OtlpRequests.Request(ValidSpan(protobufTrace)).ToByteArray(), OtlpRequests.Protobuf, gzip: true);
        var jsonResponse = await host.PostAsync(OtlpHost.KeyOfA, Encoding.UTF8.GetBytes(json), OtlpRequests.Json, gzip: true);

        Assert.Equal(HttpStatusCode.OK, protobuf.StatusCode);
        Assert.Equal(HttpStatusCode.OK, jsonResponse.StatusCode);
        Assert.Single(await host.ObservationsAsync("project-a", protobufTrace));
        Assert.Equal("gz", Assert.Single(await host.ObservationsAsync("project-a", jsonTrace)).Name);
    }

    [Fact]
    public async Task A_span_with_an_invalid_id_is_rejected_alone_with_partial_success()
    {
        var traceId = OtlpRequests.NewTraceId();
        var zeroTrace = ValidSpan(traceId, "zero trace id");
        zeroTrace.TraceId = ByteString.CopyFrom(new byte[16]);
        var request = OtlpRequests.Request(ValidSpan(traceId, "first"), zeroTrace, ValidSpan(traceId, "second"));

        var response = await host.PostAsync(OtlpHost.KeyOfA, request.ToByteArray(), OtlpRequests.Protobuf);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType!.MediaType);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedSpans);
        Assert.Contains("trace_id", answer.PartialSuccess.ErrorMessage);
        Assert.Equal(["first", "second"], (await host.ObservationsAsync("project-a", traceId)).Select(o => o.Name).Order());
    }

    [Fact]
    public async Task An_invalid_hex_id_in_json_is_rejected_alone_with_partial_success_in_json()
    {
        var traceId = OtlpRequests.NewTraceId();
        var json = $$"""
            {"resourceSpans":[{"scopeSpans":[{"spans":[
              {"traceId":"{{traceId}}","spanId":"{{OtlpRequests.NewSpanId()}}","name":"kept"},
              {"traceId":"{{traceId}}","spanId":"not-a-span-id","name":"bad span id"},
              {"traceId":"{{traceId}}","spanId":"{{OtlpRequests.NewSpanId()}}","parentSpanId":"abc","name":"bad parent"}]}]}]}
            """;

        var response = await host.PostAsync(OtlpHost.KeyOfA, Encoding.UTF8.GetBytes(json), OtlpRequests.Json);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var partial = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["partialSuccess"]!;
        Assert.Equal("2", partial["rejectedSpans"]!.ToString());
        Assert.Contains("span_id", partial["errorMessage"]!.GetValue<string>());
        Assert.Equal("kept", Assert.Single(await host.ObservationsAsync("project-a", traceId)).Name);
    }

    [Fact]
    public async Task The_same_span_sent_twice_is_one_row()
    {
        var traceId = OtlpRequests.NewTraceId();
        var body = OtlpRequests.Request(ValidSpan(traceId, "resent")).ToByteArray();

        var first = await host.PostAsync(OtlpHost.KeyOfA, body, OtlpRequests.Protobuf);
        var second = await host.PostAsync(OtlpHost.KeyOfA, body, OtlpRequests.Protobuf);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("resent", Assert.Single(await host.ObservationsAsync("project-a", traceId)).Name);
    }

    [Fact]
    public async Task The_admin_key_is_refused_and_no_key_is_unauthorized()
    {
        var body = OtlpRequests.Request(ValidSpan(OtlpRequests.NewTraceId())).ToByteArray();

        var admin = await host.PostAsync(TestHost.AdminKey, body, OtlpRequests.Protobuf);
        var anonymous = await host.PostAsync(null, body, OtlpRequests.Protobuf);

        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_project_key_writes_only_into_its_own_project()
    {
        var traceId = OtlpRequests.NewTraceId();
        var body = OtlpRequests.Request(ValidSpan(traceId, "from b")).ToByteArray();

        var response = await host.PostAsync(OtlpHost.KeyOfB, body, OtlpRequests.Protobuf);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("from b", Assert.Single(await host.ObservationsAsync("project-b", traceId)).Name);
        Assert.Empty(await host.ObservationsAsync("project-a", traceId));
        Assert.Null(await host.TraceAsync("project-a", traceId));
    }
}
