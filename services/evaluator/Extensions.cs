namespace LlmOps.Evaluator;

/// <summary>
/// The evaluator service: online evaluation, RAG metrics, LLM-as-judge, datasets and the loop controller that turns failed evaluations into prompt, RAG and fine-tune actions.
/// This slice is the host only (shared logging, telemetry, health, bus and key authentication, runnable alone and
/// composed into the embedded platform); its consumers, storage and endpoints arrive with issue #7.
/// </summary>
public static class EvaluatorExtensions
{
    public const string ServiceName = "evaluator";

    public static WebApplicationBuilder AddEvaluator(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapEvaluatorEndpoints(this WebApplication app) => app;
}
