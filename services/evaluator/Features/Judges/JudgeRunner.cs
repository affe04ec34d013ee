using System.Text;
using LlmOps.Contracts.Evaluation;
using LlmOps.Contracts.Tracing;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Features.Gateway;
using LlmOps.Evaluator.Features.Online;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>
/// LLM-as-judge: the rubric as the system message, the trace's question, context, answer and reference as clearly
/// delimited sections, temperature 0, through the gateway. What comes back is parsed robustly; a call that fails or a
/// reply that cannot be read is an error outcome (status <c>error</c>, no value), never a score.
/// </summary>
public sealed class JudgeRunner(GatewayClient gateway)
{
    /// <summary>Per section: a judge prompt stays within a small model's context.</summary>
    public const int MaxSectionChars = 12_000;

    public sealed record Verdict(Outcome Outcome, string? JudgeModel, string RubricVersion);

    public async Task<Verdict> JudgeAsync(CompiledEvaluator evaluator, TraceCompleted trace, CancellationToken cancellationToken)
    {
        var rubric = JudgeRubrics.Find(evaluator.Kind, evaluator.RubricVersion)!;
        var reference = CheckRunner.Reference(trace);
        if (trace.Answer is null)
            return new Verdict(Outcome.NotApplicable("the trace has no answer"), null, rubric.Id);
        if (rubric.NeedsContext && trace.RetrievedDocuments.Count == 0)
            return new Verdict(Outcome.NotApplicable("no retrieved documents"), null, rubric.Id);
        if (rubric.NeedsReference && reference is null)
            return new Verdict(Outcome.NotApplicable("no reference answer"), null, rubric.Id);

        var reply = await gateway.ChatAsync(new GatewayRequest
        {
            Model = evaluator.JudgeDeployment!,
            Temperature = 0,
            MaxTokens = 400,
            Feature = $"evaluator:{evaluator.Kind}",
            Metadata = new Dictionary<string, string>
            {
                ["evaluatedProject"] = trace.ProjectId, ["evaluatedTrace"] = trace.TraceId, ["rubric"] = rubric.Id,
            },
            Messages =
            [
                ("system", $"You are an impartial evaluator. {rubric.Criteria}\n{JudgeRubrics.OutputInstruction(rubric)}"),
                ("user", Sections(trace, reference)),
            ],
        }, cancellationToken);
        if (!reply.Ok)
            return new Verdict(Error(reply.Error!), reply.Model, rubric.Id);

        var verdict = JudgeVerdictParser.Parse(reply.Content, rubric.GoodLabel, rubric.BadLabel);
        if (!verdict.Ok)
            return new Verdict(Error(verdict.Error!), reply.Model, rubric.Id);
        return new Verdict(new Outcome(ScoreStatuses.Ok, ScoreDataTypes.Numeric, verdict.Score, verdict.Label,
            verdict.Explanation ?? $"{rubric.Id}: {verdict.Label}"), reply.Model, rubric.Id);
    }

    private static Outcome Error(string why) => new(ScoreStatuses.Error, ScoreDataTypes.Numeric, null, null, $"judge failed: {why}");

    /// <summary>Delimited so the judged text cannot pass for the judge's instructions.</summary>
    public static string Sections(TraceCompleted trace, string? reference)
    {
        var text = new StringBuilder();
        Section(text, "QUESTION", trace.Question);
        if (trace.RetrievedDocuments.Count > 0)
            Section(text, "CONTEXT", string.Join("\n---\n", trace.RetrievedDocuments.Select(d => d.Content)));
        Section(text, "ANSWER", trace.Answer);
        if (reference is not null)
            Section(text, "REFERENCE", reference);
        return text.ToString();
    }

    public static void Section(StringBuilder text, string name, string? content)
    {
        if (content is null)
            return;
        var cut = content.Length > MaxSectionChars ? content[..MaxSectionChars] + " […]" : content;
        text.Append("<<<").Append(name).Append(">>>\n").Append(cut).Append("\n<<<END ").Append(name).Append(">>>\n\n");
    }
}
