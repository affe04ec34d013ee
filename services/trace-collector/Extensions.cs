using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Query;
using LlmOps.TraceCollector.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmOps.TraceCollector;

public static class TraceCollectorExtensions
{
    public const string ServiceName = "trace-collector";

    public static WebApplicationBuilder AddTraceCollector(this WebApplicationBuilder builder)
    {
        builder.AddServiceDbContext<TraceCollectorDbContext>(ServiceName);
        builder.Services.AddScoped<InferenceTraceWriter>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddServiceConsumer<InferenceCompletedConsumer>(ServiceName);
        return builder;
    }

    public static WebApplication MapTraceCollectorEndpoints(this WebApplication app)
    {
        var traces = app.MapGroup("/api/traces").WithTags(ServiceName);
        traces.MapGet("/{id}", GetTraceEndpoint.HandleAsync);
        return app;
    }
}
