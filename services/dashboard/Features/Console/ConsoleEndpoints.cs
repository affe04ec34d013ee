namespace LlmOps.Dashboard.Features.Console;

/// <summary>
/// The console's routes: its files under <c>/console/</c> and its pages (<c>/</c>, <c>/traces</c>, <c>/traces/{id}</c>,
/// <c>/alerts</c>, <c>/prompts</c>, <c>/prompts/{name}</c>, <c>/loop</c>, <c>/costs</c>), which all answer the same <c>index.html</c> for the client-side router. The pages are listed one by
/// one rather than caught by a fallback, so the console never answers for an <c>/api</c>, <c>/v1</c>, <c>/health</c> or
/// <c>/simulator</c> path. Anonymous: the page holds no data; the user's key is sent by the browser on each API call.
/// </summary>
public static class ConsoleEndpoints
{
    public const string AssetPrefix = "/console";

    public static readonly string[] Pages = ["/", "/traces", "/traces/{id}", "/alerts", "/prompts", "/prompts/{name}", "/loop", "/costs"];

    // Scripts and styles only from this host; no inline script, so a value that slipped into the page could not run.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        foreach (var page in Pages)
            group.MapMethods(page, [HttpMethods.Get, HttpMethods.Head], ServePage);
        group.MapMethods(AssetPrefix + "/{**path}", [HttpMethods.Get, HttpMethods.Head], ServeAsset);
        return app;
    }

    private static Task ServePage(HttpContext context, ConsoleAssets assets)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return assets.WriteAsync(context, assets.Find("index.html")!);
    }

    private static Task ServeAsset(HttpContext context, ConsoleAssets assets, string? path)
    {
        if (path is null || path == "index.html" || assets.Find(path) is not { } asset)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return assets.WriteAsync(context, asset);
    }
}
