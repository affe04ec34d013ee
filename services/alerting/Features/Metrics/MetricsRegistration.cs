using LlmOps.ServiceDefaults.Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmOps.Alerting.Features.Metrics;

public static class MetricsRegistration
{
    /// <summary>
    /// The metric store the rule engine observes, its consumers (queues prefixed <c>alerting-</c>), and the error-queue
    /// poller when <c>Alerting:Metrics:ManagementUrl</c> is set. Options validated at start.
    /// </summary>
    public static WebApplicationBuilder AddAlertMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>()
            .BindConfiguration(MetricsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<MetricStore>();
        builder.Services.AddSingleton<Engine.IMetricSource>(sp => sp.GetRequiredService<MetricStore>());
        builder.Services.AddSingleton<MetricCheckpoints>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MetricCheckpoints>());

        const string service = AlertingExtensions.ServiceName;
        builder.AddServiceBatchConsumer<CostRecordedMetricConsumer>(service, options.BatchSize, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<CostRecordedBatchMetricConsumer>(service, options.BatchMessages, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<ScoreRecordedMetricConsumer>(service, options.BatchSize, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<ScoreRecordedBatchMetricConsumer>(service, options.BatchMessages, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<InferenceCompletedMetricConsumer>(service, options.BatchSize, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceBatchConsumer<InferenceCompletedBatchMetricConsumer>(service, options.BatchMessages, options.BatchWaitMs, options.BatchConcurrency);
        builder.AddServiceConsumer<BudgetThresholdCrossedMetricConsumer>(service);
        builder.AddServiceConsumer<BudgetExhaustedMetricConsumer>(service);
        builder.AddServiceConsumer<EvaluatorProgressMetricConsumer>(service);

        if (!string.IsNullOrWhiteSpace(options.ManagementUrl))
        {
            builder.Services.AddHttpClient(ErrorQueuePoller.HttpClientName);
            builder.Services.AddHostedService<ErrorQueuePoller>();
        }
        return builder;
    }
}
