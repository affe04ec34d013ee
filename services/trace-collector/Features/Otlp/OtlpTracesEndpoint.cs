using System.Text.Json;
using Google.Protobuf;
using LlmOps.ServiceDefaults.Http;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Otlp.Proto;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace LlmOps.TraceCollector.Features.Otlp;

/// <summary>
/// <c>POST /v1/traces</c>: OTLP/HTTP trace export, binary protobuf or JSON, optionally gzip-compressed. The project comes
/// from the key. Answered 200 once the spans are committed, with an ExportTraceServiceResponse in the request's format;
/// spans with invalid ids are left out and counted in its <c>partial_success</c>, as the OTLP spec asks.
/// </summary>
public static class OtlpTracesEndpoint
{
    public const string Route = "/v1/traces";

    private enum Format
    {
        Protobuf,
        Json,
    }

    public static async Task HandleAsync(HttpContext context, IngestQueue queue, IOptions<TraceCollectorOptions> options)
    {
        if (await IngestHttp.ProjectAsync(context) is not { } projectId)
            return;
        if (FormatOf(context.Request.ContentType) is not { } format)
        {
            await ErrorResponses.WriteAsync(context, 415,
                "OTLP/HTTP takes Content-Type application/x-protobuf or application/json.", "unsupported_media_type");
            return;
        }
        if (await IngestHttp.ReadBodyAsync(context, options.Value.MaxIngestBytes) is not { } body)
            return;

        ExportTraceServiceRequest request;
        try
        {
            request = format == Format.Protobuf ? ExportTraceServiceRequest.Parser.ParseFrom(body) : OtlpJson.ParseRequest(body);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or JsonException)
        {
            var what = format == Format.Protobuf ? "a protobuf-encoded ExportTraceServiceRequest" : "an OTLP/JSON ExportTraceServiceRequest";
            await ErrorResponses.WriteAsync(context, 400, $"The body is not {what}: {ex.Message}",
                format == Format.Protobuf ? "invalid_protobuf" : "invalid_json");
            return;
        }

        var batch = new TraceWriteBatch();
        var outcome = OtlpObservations.AddTo(batch, projectId, request);
        if (!await IngestHttp.CommitAsync(context, queue, batch))
            return;

        var response = new ExportTraceServiceResponse();
        if (outcome.Rejected > 0)
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = outcome.Rejected, ErrorMessage = outcome.ErrorMessage ?? "" };
        context.Response.StatusCode = StatusCodes.Status200OK;
        if (format == Format.Protobuf)
        {
            context.Response.ContentType = "application/x-protobuf";
            await context.Response.Body.WriteAsync(response.ToByteArray(), context.RequestAborted);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(OtlpJson.Format(response), context.RequestAborted);
        }
    }

    private static Format? FormatOf(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
            return null;
        return media.MediaType.Value?.ToLowerInvariant() switch
        {
            // application/protobuf is the registered name some newer clients send; OTLP names application/x-protobuf.
            "application/x-protobuf" or "application/protobuf" => Format.Protobuf,
            "application/json" => Format.Json,
            _ => null,
        };
    }
}
