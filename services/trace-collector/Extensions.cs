using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.TraceCollector.Features.Ingestion;
using LlmOps.TraceCollector.Features.Otlp;
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
        builder.Services.AddSingleton<Features.Projects.ProjectPolicies>();
        builder.Services.AddHostedService<Features.Projects.ProjectPolicyLoader>();
        builder.AddInstanceConsumer<Features.Projects.ProjectPolicyConsumer>(ServiceName + "-projects");
        builder.Services.AddSingleton<Features.Projects.RetentionPurge>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Features.Projects.RetentionPurge>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<TraceStore>();
        builder.Services.AddScoped<InferenceTraceWriter>();
        builder.Services.AddSingleton<IngestQueue>();
        builder.Services.AddHostedService<IngestWriter>();
        builder.Services.AddSingleton<RecentEvents>();
        builder.Services.AddSingleton<Features.Completion.TraceCompletion>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Features.Completion.TraceCompletion>());
        builder.AddServiceBatchConsumer<InferenceCompletedConsumer>(ServiceName, options.BusBatchSize, options.BusBatchWaitMs, options.BusBatchConcurrency);
        builder.AddServiceBatchConsumer<InferenceCompletedBatchConsumer>(ServiceName, options.BusBatchMessages, options.BusBatchWaitMs, options.BusBatchConcurrency);
        builder.AddServiceConsumer<GetTraceProjectsConsumer>(ServiceName);
        builder.AddServiceBatchConsumer<Features.Scores.ScoreRecordedConsumer>(ServiceName, options.BusBatchSize, options.BusBatchWaitMs);
        builder.AddServiceBatchConsumer<Features.Scores.ScoreRecordedBatchConsumer>(ServiceName, options.BusBatchMessages, options.BusBatchWaitMs);
        return builder;
    }

    public static WebApplication MapTraceCollectorEndpoints(this WebApplication app)
    {
        app.MapPost("/api/ingest", IngestEndpoint.HandleAsync).WithTags(ServiceName);
        app.MapPost(OtlpTracesEndpoint.Route, OtlpTracesEndpoint.HandleAsync).WithTags(ServiceName);
        app.MapTraceQueryEndpoints();
        return app;
    }
}
