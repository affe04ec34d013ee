using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.ServiceDefaults.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace LlmOps.InferenceProxy.Features.Routing;

/// <summary>
/// One Polly circuit breaker per deployment. Retryable failures (429, 5xx, timeouts, connection failures, invalid
/// answers, a refused provider key) count; when they reach the failure ratio within the sampling window the circuit
/// opens and the deployment is skipped for the break duration, then one trial request decides (half-open).
/// </summary>
public sealed partial class DeploymentCircuits(IOptions<InferenceProxyOptions> options, ILogger<DeploymentCircuits> logger)
{
    private static readonly Counter<long> Opened = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.circuit.opened", description: "Times a deployment's circuit opened");

    private readonly ConcurrentDictionary<string, (ResiliencePipeline<AttemptOutcome> Pipeline, CircuitBreakerStateProvider State)> _circuits = new();

    public ResiliencePipeline<AttemptOutcome> For(string deployment) => Get(deployment).Pipeline;

    public CircuitState State(string deployment) => Get(deployment).State.CircuitState;

    private (ResiliencePipeline<AttemptOutcome> Pipeline, CircuitBreakerStateProvider State) Get(string deployment) =>
        _circuits.GetOrAdd(deployment, name =>
        {
            var settings = options.Value.CircuitBreaker;
            var state = new CircuitBreakerStateProvider();
            var pipeline = new ResiliencePipelineBuilder<AttemptOutcome>()
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptOutcome>
                {
                    FailureRatio = settings.FailureRatio,
                    MinimumThroughput = settings.MinimumThroughput,
                    SamplingDuration = settings.SamplingDuration,
                    BreakDuration = settings.BreakDuration,
                    StateProvider = state,
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Retryable: true } || args.Outcome.Exception is not null),
                    OnOpened = _ =>
                    {
                        Opened.Add(1, new KeyValuePair<string, object?>("deployment", name));
                        LogOpened(logger, name, settings.BreakDuration.TotalSeconds);
                        return ValueTask.CompletedTask;
                    },
                    OnClosed = _ =>
                    {
                        LogClosed(logger, name);
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
            return (pipeline, state);
        });

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit of deployment {Deployment} opened: skipped for {Seconds} s")]
    private static partial void LogOpened(ILogger logger, string deployment, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit of deployment {Deployment} closed again")]
    private static partial void LogClosed(ILogger logger, string deployment);
}
