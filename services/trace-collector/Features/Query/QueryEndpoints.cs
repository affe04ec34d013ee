namespace LlmOps.TraceCollector.Features.Query;

/// <summary>The routes of the query API, mapped here so the service, the embedded platform and the tests map the same.</summary>
public static class QueryEndpoints
{
    public static IEndpointRouteBuilder MapTraceQueryEndpoints(this IEndpointRouteBuilder app)
    {
        var traces = app.MapGroup("/api/traces").WithTags(TraceCollectorExtensions.ServiceName);
        traces.MapGet("/", ListTracesEndpoint.HandleAsync);
        traces.MapGet("/{id}", GetTraceEndpoint.HandleAsync);
        app.MapGet(TraceStatsEndpoint.Route, TraceStatsEndpoint.HandleAsync).WithTags(TraceCollectorExtensions.ServiceName);
        app.MapGet(PromptStatsEndpoint.Route, PromptStatsEndpoint.HandleAsync).WithTags(TraceCollectorExtensions.ServiceName);
        app.MapGet("/api/sessions/{id}", GetSessionEndpoint.HandleAsync).WithTags(TraceCollectorExtensions.ServiceName);
        return app;
    }
}
