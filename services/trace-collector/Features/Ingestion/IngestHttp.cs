using System.IO.Compression;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.Features;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// What the HTTP ingestion routes share: the caller's project (from its key, never from the payload), the body within
/// the size cap (gzip or deflate decoded, the cap applying to the decoded size too, so a small bomb cannot blow up),
/// and the commit that answers only once the writes are durable.
/// </summary>
public static class IngestHttp
{
    /// <summary>The project a project key belongs to; the admin key is refused (ingestion always belongs to one project).</summary>
    public static async Task<string?> ProjectAsync(HttpContext context)
    {
        if (context.User.ProjectIdOf() is { Length: > 0 } project)
            return project;
        await ErrorResponses.WriteAsync(context, 403,
            "Ingestion takes a project key: the project comes from the key, never from the payload.", "project_key_required");
        return null;
    }

    /// <summary>The decoded body, or null after writing 413 (too large) or 415 (an encoding we do not read).</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            await TooLargeAsync(context, maxBytes);
            return null;
        }
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
            sizeFeature.MaxRequestBodySize = maxBytes;

        var encoding = context.Request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream source = context.Request.Body;
        switch (encoding)
        {
            case "" or "identity":
                break;
            case "gzip":
                source = new GZipStream(source, CompressionMode.Decompress, leaveOpen: true);
                break;
            case "deflate":
                source = new ZLibStream(source, CompressionMode.Decompress, leaveOpen: true);
                break;
            default:
                await ErrorResponses.WriteAsync(context, 415, $"Content-Encoding '{encoding}' is not supported: send gzip, deflate or none.",
                    "unsupported_encoding");
                return null;
        }

        await using (source)
        {
            using var buffer = new MemoryStream();
            var chunk = new byte[81_920];
            try
            {
                int read;
                while ((read = await source.ReadAsync(chunk, context.RequestAborted)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        await TooLargeAsync(context, maxBytes);
                        return null;
                    }
                    buffer.Write(chunk, 0, read);
                }
            }
            catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                await TooLargeAsync(context, maxBytes);
                return null;
            }
            catch (InvalidDataException)
            {
                await ErrorResponses.WriteAsync(context, 400, $"The body is not valid {encoding} data.", "invalid_encoding");
                return null;
            }
            return buffer.ToArray();
        }
    }

    /// <summary>
    /// Queues the writes and waits for their commit. False after writing 503 with Retry-After: the queue is full, or the
    /// writes could not be committed; either way nothing was confirmed and the caller should send them again.
    /// </summary>
    public static async Task<bool> CommitAsync(HttpContext context, IngestQueue queue, TraceWriteBatch batch)
    {
        if (batch.Count == 0)
            return true;
        if (!queue.TryEnqueue(batch, out var written))
        {
            context.Response.Headers.RetryAfter = "1";
            await ErrorResponses.WriteAsync(context, 503, "The collector is writing as fast as it can and its queue is full; retry shortly.",
                "ingest_queue_full");
            return false;
        }
        try
        {
            await written.WaitAsync(context.RequestAborted);
            return true;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller left; the writes still land (idempotent if it sends them again).
            return false;
        }
        catch (Exception)
        {
            context.Response.Headers.RetryAfter = "5";
            await ErrorResponses.WriteAsync(context, 503, "The collector could not store this batch; nothing of it is confirmed, send it again.",
                "ingest_write_failed");
            return false;
        }
    }

    private static Task TooLargeAsync(HttpContext context, long maxBytes) =>
        ErrorResponses.WriteAsync(context, 413, $"The body is larger than the {maxBytes} bytes this collector accepts (after decompression).",
            "payload_too_large");
}
