using LlmOps.Contracts.Inference;
using LlmOps.ServiceDefaults.Privacy;
using LlmOps.TraceCollector.Features.Projects;

namespace LlmOps.TraceCollector.Features.Ingestion;

/// <summary>
/// Masks PII and secrets (the gateway's detector: e-mail, phone, card, IBAN, national ids, IP addresses, secrets) in the
/// text a project's traces would store, for projects with <c>redactTracePii</c>: inputs, outputs, status messages,
/// metadata and score comments become <c>[EMAIL]</c>, <c>[CARD]</c>, ... before anything is written.
/// </summary>
public static class Redaction
{
    private static readonly IReadOnlySet<string> Kinds = PiiKinds.All.ToHashSet();

    public static void Apply(TraceWriteBatch batch, ProjectPolicies policies)
    {
        for (var i = 0; i < batch.Observations.Count; i++)
        {
            var o = batch.Observations[i];
            if (policies.Of(o.ProjectId).RedactPii)
            {
                batch.Observations[i] = o with
                {
                    Input = Mask(o.Input), Output = Mask(o.Output), StatusMessage = Mask(o.StatusMessage), Metadata = Mask(o.Metadata),
                    TraceMetadata = Mask(o.TraceMetadata),
                };
            }
        }
        for (var i = 0; i < batch.Traces.Count; i++)
        {
            var t = batch.Traces[i];
            if (policies.Of(t.ProjectId).RedactPii)
                batch.Traces[i] = t with { Input = Mask(t.Input), Output = Mask(t.Output), Metadata = Mask(t.Metadata) };
        }
        for (var i = 0; i < batch.Scores.Count; i++)
        {
            var s = batch.Scores[i];
            if (policies.Of(s.ProjectId).RedactPii)
                batch.Scores[i] = s with { Comment = Mask(s.Comment), Label = Mask(s.Label) };
        }
    }

    private static string? Mask(string? text) =>
        text is null ? null : PiiDetector.Find(text, Kinds) is { Count: > 0 } found ? PiiDetector.Redact(text, found) : text;
}
