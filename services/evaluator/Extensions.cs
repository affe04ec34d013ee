using MassTransit;
using LlmOps.Evaluator.Features.Actions;
using LlmOps.Evaluator.Features.Experiments;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Feedback;
using LlmOps.Evaluator.Features.FineTune;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Features.Online;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Hosting;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmOps.Evaluator;

/// <summary>
/// The evaluator service: online evaluation of finished traces with configured (or default) evaluators, and the loop
/// controller that turns failing scores into prompt, RAG and fine-tune actions (docs/evaluation.md).
/// </summary>
public static class EvaluatorExtensions
{
    public const string ServiceName = "evaluator";

    public static WebApplicationBuilder AddEvaluator(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<EvaluatorOptions>()
            .BindConfiguration(EvaluatorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateNested(EvaluatorOptions.Section, ("Loop", o => o.Loop), ("Drift", o => o.Drift), ("Gateway", o => o.Gateway))
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(EvaluatorOptions.Section).Get<EvaluatorOptions>() ?? new EvaluatorOptions();

        builder.AddServiceDbContext<EvaluatorDbContext>(ServiceName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EvaluatorCatalog>();
        builder.Services.AddHostedService<EvaluatorCatalogLoader>();
        foreach (var lane in new[] { EvaluationProgress.LexicalLane, EvaluationProgress.JudgeLane })
            builder.Services.AddKeyedSingleton(lane, (services, _) => new EvaluationProgress(services.GetRequiredService<TimeProvider>(),
                services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvaluatorOptions>>(), lane));
        builder.Services.AddSingleton<LoopWork>();
        builder.Services.AddScoped<OnlineEvaluation>();
        builder.Services.AddScoped<LoopScores>();
        builder.Services.AddScoped<LoopWindow>();
        builder.Services.AddScoped<LoopController>();
        builder.Services.AddScoped<ActionBook>();
        builder.Services.AddSingleton<ActionTopic>();
        builder.Services.AddScoped<FineTuneCurator>();
        builder.Services.AddScoped<Corrections>();
        builder.Services.AddSingleton<Features.Gateway.GatewayTarget>();
        builder.Services.AddHttpClient<Features.Gateway.GatewayClient>(Features.Gateway.GatewayClient.HttpClientName);
        builder.Services.AddScoped<Features.Judges.JudgeRunner>();
        builder.Services.AddScoped<Features.Judges.PairwiseJudge>();
        builder.Services.AddScoped<Features.Judges.JudgeEvaluation>();
        if (options.Loop.Enabled)
            builder.Services.AddHostedService<LoopTicker>();
        builder.Services.AddSingleton<LoopScorePurge>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LoopScorePurge>());
        if (options.ProgressReportSeconds > 0)
            builder.Services.AddHostedService<ProgressReporter>();

        builder.AddServiceBatchConsumer<TraceCompletedConsumer>(ServiceName, options.BatchSize, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<TraceCompletedBatchConsumer>(ServiceName, Math.Max(1, options.BatchSize / 100), options.BatchWaitMs,
            options.BatchConcurrency);
        var judgeLane = new Features.Judges.JudgeLane();
        builder.Services.AddSingleton(judgeLane);
        builder.AddServiceConsumer<Features.Judges.JudgeTraceConsumer>(ServiceName, prefetch: Math.Max(1, options.Gateway.Concurrency),
            endpoint: e => e.UseFilter(Features.Judges.JudgeLane.TraceFilter(judgeLane)));
        builder.AddServiceConsumer<Features.Judges.JudgeTraceBatchConsumer>(ServiceName, prefetch: 2,
            endpoint: e => e.UseFilter(Features.Judges.JudgeLane.BatchFilter(judgeLane)));
        builder.AddServiceBatchConsumer<ScoreRecordedConsumer>(ServiceName, 500, options.BatchWaitMs,
            endpoint: e => e.UseFilter(new OwnScores.SkipFilter()));
        builder.AddServiceBatchConsumer<ScoreRecordedBatchConsumer>(ServiceName, 20, options.BatchWaitMs,
            endpoint: e => e.UseFilter(new OwnScores.SkipFilter()));
        builder.AddServiceBatchConsumer<CorrectionConsumer>(ServiceName, 200, options.BatchWaitMs);
        builder.AddServiceBatchConsumer<CorrectionBatchConsumer>(ServiceName, 20, options.BatchWaitMs);
        builder.AddEvaluatorExperiments();

        builder.Services.AddScoped<Features.Drift.DriftObservations>();
        builder.Services.AddScoped<Features.Drift.DriftDetector>();
        if (options.Drift.Enabled)
        {
            builder.Services.AddHostedService<Features.Drift.DriftTicker>();
            builder.AddServiceBatchConsumer<Features.Drift.DriftTraceConsumer>(ServiceName, options.BatchSize, options.BatchWaitMs);
            builder.AddServiceBatchConsumer<Features.Drift.DriftTraceBatchConsumer>(ServiceName, Math.Max(1, options.BatchSize / 100), options.BatchWaitMs);
        }
        return builder;
    }

    public static WebApplication MapEvaluatorEndpoints(this WebApplication app)
    {
        var evaluators = app.MapGroup("/api/evaluators").WithTags(ServiceName);
        evaluators.MapGet("/", EvaluatorEndpoints.ListAsync);
        evaluators.MapGet("/status", EvaluatorEndpoints.Status);
        evaluators.MapGet("/{id:guid}", EvaluatorEndpoints.GetAsync);
        evaluators.MapPost("/", EvaluatorEndpoints.CreateAsync);
        evaluators.MapPatch("/{id:guid}", EvaluatorEndpoints.UpdateAsync);
        evaluators.MapDelete("/{id:guid}", EvaluatorEndpoints.DeleteAsync);

        var actions = app.MapGroup("/api/actions").WithTags(ServiceName);
        actions.MapGet("/", ActionEndpoints.ListAsync);
        actions.MapGet("/{id:guid}", ActionEndpoints.GetAsync);
        actions.MapPost("/{id:guid}/acknowledge", ActionEndpoints.AcknowledgeAsync);
        actions.MapPost("/{id:guid}/resolve", ActionEndpoints.ResolveAsync);
        actions.MapPost("/{id:guid}/dismiss", ActionEndpoints.DismissAsync);

        var datasets = app.MapGroup("/api/datasets").WithTags(ServiceName);
        datasets.MapGet("/", DatasetEndpoints.ListAsync);
        datasets.MapGet("/{id:guid}/items", DatasetEndpoints.ItemsAsync);
        datasets.MapGet("/{id:guid}/export", DatasetExport.ExportAsync);
        app.MapEvaluatorExperimentEndpoints();

        app.MapGroup("/api/drift").WithTags(ServiceName).MapGet("/", Features.Drift.DriftEndpoints.ListAsync);
        return app;
    }
}
