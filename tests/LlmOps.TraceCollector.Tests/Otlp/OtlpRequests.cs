using System.Security.Cryptography;
using Google.Protobuf;
using LlmOps.TraceCollector.Features.Otlp.Proto;

namespace LlmOps.TraceCollector.Tests.Otlp;

/// <summary>Hand-built OTLP requests, for what the SDK never sends (invalid ids, OpenInference attributes, JSON).</summary>
public static class OtlpRequests
{
    public const string Protobuf = "application/x-protobuf";
    public const string Json = "application/json";

    public static string NewTraceId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewSpanId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static Span Span(string traceId, string spanId, string name, string? parentId = null, params (string Key, object Value)[] attributes)
    {
        var start = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 2_000) * 1_000_000;
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)),
            ParentSpanId = parentId is null ? ByteString.Empty : ByteString.CopyFrom(Convert.FromHexString(parentId)),
            Name = name,
            Kind = LlmOps.TraceCollector.Features.Otlp.Proto.Span.Types.SpanKind.Internal,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 1_500_000_000,
        };
        foreach (var (key, value) in attributes)
            span.Attributes.Add(Attribute(key, value));
        return span;
    }

    public static KeyValue Attribute(string key, object value) => new()
    {
        Key = key,
        Value = value switch
        {
            string s => new AnyValue { StringValue = s },
            int i => new AnyValue { IntValue = i },
            long l => new AnyValue { IntValue = l },
            double d => new AnyValue { DoubleValue = d },
            bool b => new AnyValue { BoolValue = b },
            _ => throw new ArgumentException($"No AnyValue for {value.GetType()}"),
        },
    };

    public static ExportTraceServiceRequest Request(params Span[] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tests.otlp", Version = "1.0" } };
        scope.Spans.AddRange(spans);
        var resource = new ResourceSpans { Resource = new Resource() };
        resource.Resource.Attributes.Add(Attribute("service.name", "rag-app"));
        resource.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resource);
        return request;
    }
}
