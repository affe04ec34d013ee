using System.Security.Cryptography;
using System.Text;
using LlmOps.Contracts.Inference;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Privacy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.FineTune;

/// <summary>
/// Builds a model's fine-tune dataset from what the platform already knows is right: people's corrections of its
/// answers (the answer they wanted), and its own top-scored answers (faithful to relevant context, no failed check).
/// Failing answers never enter uncorrected. Every text is PII-scrubbed before it is stored; items are deduplicated by a
/// hash of input and output, so curating twice adds nothing.
/// </summary>
public sealed class FineTuneCurator(EvaluatorDbContext db, LoopWindow window, IOptions<EvaluatorOptions> options, TimeProvider clock)
{
    public const string Kind = "fine_tune";
    private const int MaxCandidates = 1_000;
    private static readonly HashSet<string> PiiKindsAll = [.. PiiKinds.All];

    public sealed record Curation(Guid DatasetId, IReadOnlyList<string> Added, int Total, int Target, bool BecameReady);

    public static string DatasetName(string? model) => $"fine-tune/{model ?? "default"}";

    public async Task<Curation> CurateAsync(string projectId, string? model, IReadOnlyList<string> failingTraceIds, CancellationToken cancellationToken)
    {
        var loop = options.Value.Loop;
        var now = clock.GetUtcNow().UtcDateTime;
        var dataset = await DatasetAsync(projectId, model, loop.FineTuneTargetSize, now, cancellationToken);

        // People's corrections of this model's answers (the failing traces first: they are why we are here).
        var corrections = await (from c in db.Corrections.AsNoTracking()
                                 join t in db.EvaluatedTraces.AsNoTracking() on new { c.ProjectId, c.TraceId } equals new { t.ProjectId, t.TraceId }
                                 where c.ProjectId == projectId && t.Model == model && t.Question != null
                                 orderby c.ReceivedAt descending
                                 select new { t.TraceId, t.Question, t.Context, c.Correction })
            .Take(MaxCandidates).ToListAsync(cancellationToken);

        // Top-scored answers: faithful at or above TopScore, and no score of the trace below one half.
        var from = now.AddHours(-loop.WindowHours);
        var topTraceIds = await window.TopScoredTraceIdsAsync(projectId, model, from, loop.TopScore, MaxCandidates, cancellationToken);
        var top = await db.EvaluatedTraces.AsNoTracking()
            .Where(t => t.ProjectId == projectId && topTraceIds.Contains(t.TraceId) && t.Question != null && t.Answer != null)
            .Select(t => new { t.TraceId, t.Question, t.Context, t.Answer })
            .ToListAsync(cancellationToken);

        var candidates = corrections.Select(c => Item(dataset.Id, c.TraceId, c.Question!, c.Correction, c.Context, "correction", now))
            .Concat(top.Select(t => Item(dataset.Id, t.TraceId, t.Question!, t.Answer!, t.Context, "top_scored", now)))
            .DistinctBy(i => i.ContentHash)
            .ToList();
        var hashes = candidates.Select(c => c.ContentHash).ToList();
        var existing = await db.DatasetItems.AsNoTracking().Where(i => i.DatasetId == dataset.Id && hashes.Contains(i.ContentHash))
            .Select(i => i.ContentHash).ToListAsync(cancellationToken);
        var added = candidates.Where(c => !existing.Contains(c.ContentHash)).ToList();
        db.DatasetItems.AddRange(added);

        var total = await db.DatasetItems.CountAsync(i => i.DatasetId == dataset.Id, cancellationToken) + added.Count;
        var becameReady = false;
        if (dataset.ReadyAt is null && total >= (dataset.TargetCount ?? loop.FineTuneTargetSize))
        {
            dataset.ReadyAt = now;
            becameReady = true;
        }
        await db.SaveChangesAsync(cancellationToken);
        return new Curation(dataset.Id, added.Select(a => a.SourceTraceId!).ToList(), total, dataset.TargetCount ?? loop.FineTuneTargetSize, becameReady);
    }

    private async Task<DatasetRecord> DatasetAsync(string projectId, string? model, int target, DateTime now, CancellationToken cancellationToken)
    {
        var name = DatasetName(model);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.ProjectId == projectId && d.Name == name, cancellationToken);
        if (dataset is not null)
            return dataset;
        dataset = new DatasetRecord
        {
            Id = Guid.CreateVersion7(), ProjectId = projectId, Name = name, Kind = Kind, Model = model, TargetCount = target, CreatedAt = now,
            Description = $"Curated by the loop controller for {model ?? "the default model"}: corrections and top-scored answers.",
        };
        db.Datasets.Add(dataset);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return dataset;
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await db.Datasets.SingleAsync(d => d.ProjectId == projectId && d.Name == name, cancellationToken);
        }
    }

    private static DatasetItemRecord Item(Guid datasetId, string traceId, string input, string output, string? context, string source, DateTime now)
    {
        input = Scrub(input);
        output = Scrub(output);
        context = context is null ? null : Scrub(context);
        return new DatasetItemRecord
        {
            Id = Guid.CreateVersion7(), DatasetId = datasetId, ContentHash = Hash(input, output), Input = input, ExpectedOutput = output,
            Context = context, SourceTraceId = traceId, Source = source, CreatedAt = now,
        };
    }

    public static string Scrub(string text) => PiiDetector.Redact(text, PiiDetector.Find(text, PiiKindsAll));

    public static string Hash(string input, string? output) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(input.Trim() + "\u0000" + (output ?? "").Trim())));
}
