using LlmOps.Evaluator.Features.Datasets;

namespace LlmOps.Evaluator.Features.Experiments;

/// <summary>Golden datasets, experiments and the regression gate (docs/evaluation.md, "Datasets and experiments").</summary>
public static class ExperimentsExtensions
{
    public static WebApplicationBuilder AddEvaluatorExperiments(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExperimentOptions>().BindConfiguration(ExperimentOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ExperimentSignal>();
        builder.Services.AddScoped<ExperimentRunner>();
        if (builder.Configuration.GetValue(ExperimentOptions.Section + ":Enabled", true))
            builder.Services.AddHostedService<ExperimentWorker>();
        return builder;
    }

    public static WebApplication MapEvaluatorExperimentEndpoints(this WebApplication app)
    {
        var datasets = app.MapGroup("/api/datasets").WithTags(EvaluatorExtensions.ServiceName);
        datasets.MapPost("/", GoldenDatasetEndpoints.CreateAsync);
        datasets.MapPost("/{id:guid}/items", GoldenDatasetEndpoints.AddItemsAsync);
        datasets.MapDelete("/{id:guid}", GoldenDatasetEndpoints.DeleteAsync);
        datasets.MapDelete("/{id:guid}/items/{itemId:guid}", GoldenDatasetEndpoints.DeleteItemAsync);

        var experiments = app.MapGroup("/api/experiments").WithTags(EvaluatorExtensions.ServiceName);
        experiments.MapPost("/", ExperimentEndpoints.CreateAsync);
        experiments.MapGet("/", ExperimentEndpoints.ListAsync);
        experiments.MapGet("/{id:guid}", ExperimentEndpoints.GetAsync);
        experiments.MapGet("/{id:guid}/results", ExperimentEndpoints.ResultsAsync);
        experiments.MapGet("/{id:guid}/gate", ExperimentEndpoints.GateAsync);
        return app;
    }
}
