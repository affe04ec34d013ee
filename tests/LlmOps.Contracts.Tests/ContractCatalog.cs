using LlmOps.Contracts.Access;
using LlmOps.Contracts.Actions;
using LlmOps.Contracts.Alerting;
using LlmOps.Contracts.Cost;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Feedback;
using LlmOps.Contracts.Inference;
using LlmOps.Contracts.Prompts;
using LlmOps.Contracts.Tracing;

namespace LlmOps.Contracts.Tests;

/// <summary>Every type in the contracts assembly, classified. A new type must be added here, on purpose.</summary>
public static class ContractCatalog
{
    /// <summary>Messages that travel on the bus, with the wire name each must keep forever.</summary>
    public static readonly IReadOnlyDictionary<Type, string> Messages = new Dictionary<Type, string>
    {
        [typeof(InferenceCompleted)] = "urn:message:LlmOps.Contracts.Inference:InferenceCompleted",
        [typeof(TraceCompleted)] = "urn:message:LlmOps.Contracts.Tracing:TraceCompleted",
        [typeof(TraceCompletedBatch)] = "urn:message:LlmOps.Contracts.Tracing:TraceCompletedBatch",
        [typeof(ScoreRecorded)] = "urn:message:LlmOps.Contracts.Evaluation:ScoreRecorded",
        [typeof(DriftDetected)] = "urn:message:LlmOps.Contracts.Evaluation:DriftDetected",
        [typeof(FeedbackReceived)] = "urn:message:LlmOps.Contracts.Feedback:FeedbackReceived",
        [typeof(CostRecorded)] = "urn:message:LlmOps.Contracts.Cost:CostRecorded",
        [typeof(BudgetThresholdCrossed)] = "urn:message:LlmOps.Contracts.Cost:BudgetThresholdCrossed",
        [typeof(BudgetExhausted)] = "urn:message:LlmOps.Contracts.Cost:BudgetExhausted",
        [typeof(BudgetRestored)] = "urn:message:LlmOps.Contracts.Cost:BudgetRestored",
        [typeof(AlertFired)] = "urn:message:LlmOps.Contracts.Alerting:AlertFired",
        [typeof(AlertResolved)] = "urn:message:LlmOps.Contracts.Alerting:AlertResolved",
        [typeof(OptimizationActionProposed)] = "urn:message:LlmOps.Contracts.Actions:OptimizationActionProposed",
        [typeof(PromptRollbackRequested)] = "urn:message:LlmOps.Contracts.Actions:PromptRollbackRequested",
        [typeof(PromptRevisionRequested)] = "urn:message:LlmOps.Contracts.Actions:PromptRevisionRequested",
        [typeof(RetrievalImprovementRequested)] = "urn:message:LlmOps.Contracts.Actions:RetrievalImprovementRequested",
        [typeof(KnowledgeGapDetected)] = "urn:message:LlmOps.Contracts.Actions:KnowledgeGapDetected",
        [typeof(FineTuneExamplesCurated)] = "urn:message:LlmOps.Contracts.Actions:FineTuneExamplesCurated",
        [typeof(FineTuneDatasetReady)] = "urn:message:LlmOps.Contracts.Actions:FineTuneDatasetReady",
        [typeof(RouteAdjustmentRequested)] = "urn:message:LlmOps.Contracts.Actions:RouteAdjustmentRequested",
        [typeof(ProjectCreated)] = "urn:message:LlmOps.Contracts.Access:ProjectCreated",
        [typeof(ProjectUpdated)] = "urn:message:LlmOps.Contracts.Access:ProjectUpdated",
        [typeof(PromptChanged)] = "urn:message:LlmOps.Contracts.Prompts:PromptChanged",
        [typeof(ApiKeyIssued)] = "urn:message:LlmOps.Contracts.Access:ApiKeyIssued",
        [typeof(ApiKeyRevoked)] = "urn:message:LlmOps.Contracts.Access:ApiKeyRevoked",
        [typeof(GetApiKeySnapshot)] = "urn:message:LlmOps.Contracts.Access:GetApiKeySnapshot",
        [typeof(ApiKeySnapshot)] = "urn:message:LlmOps.Contracts.Access:ApiKeySnapshot",
        [typeof(GetTraceProjects)] = "urn:message:LlmOps.Contracts.Tracing:GetTraceProjects",
        [typeof(TraceProjects)] = "urn:message:LlmOps.Contracts.Tracing:TraceProjects",
        [typeof(InferenceCompletedBatch)] = "urn:message:LlmOps.Contracts.Inference:InferenceCompletedBatch",
        [typeof(CostRecordedBatch)] = "urn:message:LlmOps.Contracts.Cost:CostRecordedBatch",
        [typeof(ScoreRecordedBatch)] = "urn:message:LlmOps.Contracts.Evaluation:ScoreRecordedBatch",
        [typeof(FeedbackReceivedBatch)] = "urn:message:LlmOps.Contracts.Feedback:FeedbackReceivedBatch",
        [typeof(LeaseBudget)] = "urn:message:LlmOps.Contracts.Cost:LeaseBudget",
        [typeof(BudgetLeases)] = "urn:message:LlmOps.Contracts.Cost:BudgetLeases",
        [typeof(EvaluatorProgressReported)] = "urn:message:LlmOps.Contracts.Evaluation:EvaluatorProgressReported",
    };

    /// <summary>Records that only appear inside messages.</summary>
    public static readonly IReadOnlySet<Type> Parts = new HashSet<Type>
    {
        typeof(TokenUsage), typeof(GuardrailVerdict), typeof(InferenceContent), typeof(ContentMessage),
        typeof(RetrievedDocument), typeof(ActionEvidence), typeof(FailingExample), typeof(GuardrailRule), typeof(SemanticCacheSettings),
        typeof(BudgetLeaseReturn), typeof(PricedModel), typeof(BudgetLease), typeof(ModelPrice),
    };

    /// <summary>Classes of string constants (the wire's enumerations).</summary>
    public static readonly IReadOnlySet<Type> Values = new HashSet<Type>
    {
        typeof(InferenceOperations), typeof(InferenceStatuses), typeof(CacheStatuses), typeof(GuardrailActions),
        typeof(ScoreDataTypes), typeof(ScoreSources), typeof(ScoreStatuses), typeof(FeedbackKinds), typeof(BudgetScopes),
        typeof(ActionPaths), typeof(PromptChanges), typeof(GuardrailRails), typeof(GuardrailStages), typeof(PiiKinds),
    };
}
