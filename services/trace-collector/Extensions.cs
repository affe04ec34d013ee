using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Query;
using LlmOps.TraceCollector.Infrastructure;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmOps.TraceCollector;

public static class TraceCollectorExtensions
{
    public const string ServiceName = "trace-collector";

    public static WebApplicationBuilder AddTraceCollector(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<TraceCollectorOptions>()
            .BindConfiguration(TraceCollectorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(TraceCollectorOptions.Section).Get<TraceCollectorOptions>() ?? new TraceCollectorOptions();

        builder.AddServiceDbContext<TraceCollectorDbContext>(ServiceName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<TraceStore>();
        builder.Services.AddSingleton<IngestQueue>();
        builder.Services.AddHostedService<IngestWriter>();
        builder.AddServiceConsumer<InferenceCompletedConsumer>(ServiceName, consumer => consumer.Options<BatchOptions>(batch => batch
                .SetMessageLimit(options.BusBatchSize)
                .SetTimeLimit(TimeSpan.FromMilliseconds(options.BusBatchWaitMs))
                .SetConcurrencyLimit(options.BusBatchConcurrency)),
            prefetch: options.BusBatchSize * options.BusBatchConcurrency);
        return builder;
    }

    public static WebApplication MapTraceCollectorEndpoints(this WebApplication app)
    {
        var traces = app.MapGroup("/api/traces").WithTags(ServiceName);
        traces.MapGet("/{id}", GetTraceEndpoint.HandleAsync);
        return app;
    }
}
