using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace LlmOps.Dashboard.Features.Console;

/// <summary>
/// The console's files, read once from this assembly's embedded resources (<c>console/...</c>, see the csproj) and kept
/// in memory with a strong ETag each. Served the same way by the dashboard service and by the embedded platform,
/// whatever directory either runs from. The files are static: no data and no secret is ever written into them.
/// </summary>
public sealed class ConsoleAssets
{
    private const string Prefix = "console/";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public sealed record Asset(byte[] Content, string ContentType, string ETag);

    private readonly FrozenDictionary<string, Asset> _assets;

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        _assets = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal))
            .ToFrozenDictionary(name => name[Prefix.Length..].Replace('\\', '/'), name => Load(assembly, name), StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Paths => _assets.Keys;

    public Asset? Find(string path) => _assets.GetValueOrDefault(path);

    /// <summary>Writes an asset with its ETag (a 304 when the browser has it), revalidated on every use (no-cache).</summary>
    public Task WriteAsync(HttpContext context, Asset asset)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (context.Request.Headers.IfNoneMatch.Any(tag => tag == asset.ETag))
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static Asset Load(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        var type = ContentTypes.TryGetContentType(name, out var found) ? found : "application/octet-stream";
        if (type.StartsWith("text/", StringComparison.Ordinal) || type is "application/javascript" or "text/javascript")
            type += "; charset=utf-8";
        var tag = new EntityTagHeaderValue("\"" + Convert.ToHexString(SHA256.HashData(content))[..16] + "\"").ToString();
        return new Asset(content, type, tag);
    }
}
