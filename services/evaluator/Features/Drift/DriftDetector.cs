using LlmOps.Contracts.Evaluation;
using LlmOps.Evaluator.Features.Loop;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using LlmOps.ServiceDefaults.Ids;

namespace LlmOps.Evaluator.Features.Drift;

/// <summary>
/// One drift pass over every project: per project × prompt name × (requested) model, the current window (the last
/// <see cref="DriftOptions.CurrentHours"/>) against the baseline (the <see cref="DriftOptions.BaselineHours"/> before it) —
/// served model ids, refusal rate, answer length, the failing share of every score, and the questions' signatures
/// (<see cref="DriftRules"/>). The windows are read as counts grouped in the database, never row by row. Each finding is
/// published as DriftDetected, then recorded; nothing is repeated for the same kind, statistic and group within
/// <see cref="DriftOptions.CooldownMinutes"/>. The id derives from project, group, kind, statistic and the hour, so two
/// replicas that see the same drift publish one id (consumers deduplicate on it) and record it once.
/// </summary>
public sealed partial class DriftDetector(EvaluatorDbContext db, LoopWindow loopWindow, BoundedPublisher publisher, IOptions<EvaluatorOptions> options,
    ILogger<DriftDetector> logger)
{
    /// <summary>Below this a score counts as failing (checks score 0 or 1; RAG metrics from 0 to 1).</summary>
    public const double FailingBelow = 0.5;

    private readonly record struct Group(string ProjectId, string? PromptName, string? Model);

    public async Task<List<DriftDetected>> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var drift = options.Value.Drift;
        var alpha = options.Value.Loop.Alpha;
        var to = now.UtcDateTime;
        var currentFrom = to.AddHours(-drift.CurrentHours);
        var from = currentFrom.AddHours(-drift.BaselineHours);

        var window = db.DriftObservations.AsNoTracking().Where(o => o.CompletedAt >= from && o.CompletedAt < to);
        var answers = await window.Where(o => o.AnswerChars != null)
            .GroupBy(o => new { o.ProjectId, o.PromptName, o.Model, Current = o.CompletedAt >= currentFrom, o.PromptVersion })
            .Select(g => new { g.Key.ProjectId, g.Key.PromptName, g.Key.Model, g.Key.Current, g.Key.PromptVersion, N = g.Count(), Refused = g.Sum(o => o.Refused ? 1 : 0) })
            .ToListAsync(cancellationToken);
        var served = await window.Where(o => o.ResponseModel != null)
            .GroupBy(o => new { o.ProjectId, o.PromptName, o.Model, Current = o.CompletedAt >= currentFrom, o.ResponseModel })
            .Select(g => new { g.Key.ProjectId, g.Key.PromptName, g.Key.Model, g.Key.Current, ResponseModel = g.Key.ResponseModel!, N = g.Count() })
            .ToListAsync(cancellationToken);
        var lengths = await window.Where(o => o.AnswerChars != null)
            .GroupBy(o => new { o.ProjectId, o.PromptName, o.Model, Current = o.CompletedAt >= currentFrom, o.AnswerChars })
            .Select(g => new { g.Key.ProjectId, g.Key.PromptName, g.Key.Model, g.Key.Current, Chars = g.Key.AnswerChars!.Value, N = g.Count() })
            .ToListAsync(cancellationToken);
        var queries = await window.Where(o => o.QueryBucket != null)
            .GroupBy(o => new { o.ProjectId, o.PromptName, o.Model, Current = o.CompletedAt >= currentFrom, o.QueryBucket })
            .Select(g => new { g.Key.ProjectId, g.Key.PromptName, g.Key.Model, g.Key.Current, Bucket = g.Key.QueryBucket!.Value, N = g.Count() })
            .ToListAsync(cancellationToken);
        var scores = await loopWindow.FailureCountsAsync(from, currentFrom, to, FailingBelow, cancellationToken);

        var cooling = (await db.DriftSignals.AsNoTracking().Where(s => s.CooldownUntil > to)
                .Select(s => new { s.ProjectId, s.Kind, s.Statistic, s.Subject }).ToListAsync(cancellationToken))
            .Select(s => (s.ProjectId, s.Kind, s.Statistic, s.Subject)).ToHashSet();

        var groups = answers.Select(a => new Group(a.ProjectId, a.PromptName, a.Model))
            .Concat(served.Select(s => new Group(s.ProjectId, s.PromptName, s.Model)))
            .Concat(queries.Select(q => new Group(q.ProjectId, q.PromptName, q.Model)))
            .Concat(scores.Select(s => new Group(s.ProjectId, s.PromptName, s.Model)))
            .Distinct().OrderBy(g => g.ProjectId, StringComparer.Ordinal).ThenBy(g => g.PromptName, StringComparer.Ordinal)
            .ThenBy(g => g.Model, StringComparer.Ordinal).ToList();

        var servedBy = served.ToLookup(s => new Group(s.ProjectId, s.PromptName, s.Model));
        var answersBy = answers.ToLookup(a => new Group(a.ProjectId, a.PromptName, a.Model));
        var lengthsBy = lengths.ToLookup(l => new Group(l.ProjectId, l.PromptName, l.Model));
        var scoresBy = scores.ToLookup(s => new Group(s.ProjectId, s.PromptName, s.Model));
        var queriesBy = queries.ToLookup(q => new Group(q.ProjectId, q.PromptName, q.Model));
        var published = new List<DriftDetected>();
        foreach (var group in groups)
        {
            var findings = new List<DriftFinding>();

            var servedHere = servedBy[group].ToList();
            if (DriftRules.ServedModel(Counts(servedHere.Where(s => !s.Current).Select(s => (s.ResponseModel, (long)s.N))),
                    Counts(servedHere.Where(s => s.Current).Select(s => (s.ResponseModel, (long)s.N))), drift) is { } servedModel)
                findings.Add(servedModel);

            var answersHere = answersBy[group].ToList();
            if (DriftRules.Rate(DriftKinds.Behaviour, "refusal_rate", "Refusal rate",
                    answersHere.Where(a => !a.Current).Sum(a => (long)a.Refused), answersHere.Where(a => !a.Current).Sum(a => (long)a.N),
                    answersHere.Where(a => a.Current).Sum(a => (long)a.Refused), answersHere.Where(a => a.Current).Sum(a => (long)a.N), drift, alpha) is { } refusals)
                findings.Add(refusals);

            var lengthsHere = lengthsBy[group].ToList();
            if (DriftRules.AnswerLength(Histogram(lengthsHere.Where(l => !l.Current).Select(l => (l.Chars, (long)l.N))),
                    Histogram(lengthsHere.Where(l => l.Current).Select(l => (l.Chars, (long)l.N))), drift, alpha) is { } length)
                findings.Add(length);

            foreach (var score in scoresBy[group].GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                if (DriftRules.Rate(DriftKinds.Behaviour, $"failure_rate:{score.Key}", $"{score.Key} fails (value < {FailingBelow}) on",
                        score.Where(s => !s.Current).Sum(s => s.Failing), score.Where(s => !s.Current).Sum(s => s.N),
                        score.Where(s => s.Current).Sum(s => s.Failing), score.Where(s => s.Current).Sum(s => s.N), drift, alpha) is { } failing)
                    findings.Add(failing);
            }

            var queriesHere = queriesBy[group].ToList();
            if (DriftRules.Distribution(DriftKinds.Query, "query_psi", $"Questions moved across the {QuerySignature.Buckets} MinHash buckets of their terms",
                    Buckets(queriesHere.Where(q => !q.Current).Select(q => (q.Bucket, (long)q.N))),
                    Buckets(queriesHere.Where(q => q.Current).Select(q => (q.Bucket, (long)q.N))), drift, alpha) is { } query)
                findings.Add(query with { Detail = query.Detail + await RisingTermsAsync(group, from, currentFrom, to, cancellationToken) });

            if (findings.Count == 0)
                continue;
            var subject = $"{group.PromptName}|{group.Model}";
            var baselineVersions = answersHere.Where(a => !a.Current && a.PromptVersion is not null).Select(a => a.PromptVersion!.Value).ToHashSet();
            var currentVersions = answersHere.Where(a => a.Current && a.PromptVersion is not null).OrderByDescending(a => a.N).Select(a => a.PromptVersion!.Value)
                .ToList();
            var note = currentVersions.Any(v => !baselineVersions.Contains(v))
                ? $" The prompt version changed meanwhile (baseline {Versions(baselineVersions)}, current {Versions(currentVersions)}): a release may explain it."
                : "";
            foreach (var finding in findings)
            {
                if (cooling.Contains((group.ProjectId, finding.Kind, finding.Statistic, subject)))
                    continue;
                var message = new DriftDetected
                {
                    DriftId = IdFor(group.ProjectId, subject, finding.Kind, finding.Statistic, to.Ticks / TimeSpan.TicksPerHour),
                    ProjectId = group.ProjectId,
                    Kind = finding.Kind,
                    PromptName = group.PromptName,
                    PromptVersion = currentVersions.Count > 0 ? currentVersions[0] : null,
                    Model = group.Model,
                    Statistic = finding.Statistic,
                    Value = finding.Value,
                    Threshold = finding.Threshold,
                    BaselineFrom = Utc(from),
                    BaselineTo = Utc(currentFrom),
                    CurrentFrom = Utc(currentFrom),
                    CurrentTo = Utc(to),
                    Detail = finding.Kind == DriftKinds.ServedModel ? finding.Detail : finding.Detail + note,
                    DetectedAt = now,
                };
                if (await PublishAndRecordAsync(message, subject, to.AddMinutes(drift.CooldownMinutes), cancellationToken))
                    published.Add(message);
                cooling.Add((group.ProjectId, finding.Kind, finding.Statistic, subject));
            }
        }

        // Observations older than any baseline this detector will read again are no longer needed.
        var expired = from.AddHours(-1);
        await db.DriftObservations.Where(o => o.CompletedAt < expired).ExecuteDeleteAsync(cancellationToken);
        return published;
    }

    /// <summary>The same project, group, kind, statistic and hour always give the same id (UUID v8 shape from SHA-256).</summary>
    public static Guid IdFor(string projectId, string subject, string kind, string statistic, long hour)
        => StableGuid.From("drift", projectId, subject, kind, statistic, hour.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Published first, recorded second: if the broker is down nothing is recorded and the next pass tries again.</summary>
    private async Task<bool> PublishAndRecordAsync(DriftDetected message, string subject, DateTime cooldownUntil, CancellationToken cancellationToken)
    {
        await publisher.PublishAsync(message, cancellationToken);
        db.DriftSignals.Add(new DriftSignalRecord
        {
            Id = message.DriftId,
            ProjectId = message.ProjectId,
            Kind = message.Kind,
            Statistic = message.Statistic.Length > 140 ? message.Statistic[..140] : message.Statistic,
            Subject = subject.Length > 420 ? subject[..420] : subject,
            PromptName = message.PromptName,
            PromptVersion = message.PromptVersion,
            Model = message.Model,
            Value = message.Value,
            Threshold = message.Threshold,
            BaselineFrom = message.BaselineFrom.UtcDateTime,
            BaselineTo = message.BaselineTo.UtcDateTime,
            CurrentFrom = message.CurrentFrom.UtcDateTime,
            CurrentTo = message.CurrentTo.UtcDateTime,
            Detail = message.Detail,
            DetectedAt = message.DetectedAt.UtcDateTime,
            CooldownUntil = cooldownUntil,
        });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another replica recorded the same drift (same id) first: it stands once.
            db.ChangeTracker.Clear();
            return false;
        }
        LogDrift(logger, message.Kind, message.Statistic, message.ProjectId, subject, message.Detail);
        return true;
    }

    /// <summary>The question terms whose share grew most from the baseline to the current window: what the new queries are about.</summary>
    private async Task<string> RisingTermsAsync(Group group, DateTime from, DateTime currentFrom, DateTime to, CancellationToken cancellationToken)
    {
        var rows = db.DriftObservations.AsNoTracking()
            .Where(o => o.ProjectId == group.ProjectId && o.PromptName == group.PromptName && o.Model == group.Model && o.QueryTerms != null);
        var current = await rows.Where(o => o.CompletedAt >= currentFrom && o.CompletedAt < to).OrderByDescending(o => o.CompletedAt).Take(2_000)
            .Select(o => o.QueryTerms!).ToListAsync(cancellationToken);
        var baseline = await rows.Where(o => o.CompletedAt >= from && o.CompletedAt < currentFrom).OrderByDescending(o => o.CompletedAt).Take(10_000)
            .Select(o => o.QueryTerms!).ToListAsync(cancellationToken);
        var rising = RisingTerms(baseline, current, 5);
        return rising.Count == 0 ? "" : $" Terms now more frequent: {string.Join(", ", rising)}.";
    }

    public static List<string> RisingTerms(IReadOnlyList<string> baseline, IReadOnlyList<string> current, int count)
    {
        static Dictionary<string, double> Shares(IReadOnlyList<string> queries) =>
            queries.SelectMany(q => q.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal))
                .GroupBy(t => t, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => (double)g.Count() / Math.Max(1, queries.Count), StringComparer.Ordinal);
        var before = Shares(baseline);
        return Shares(current).Select(p => (Term: p.Key, Lift: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Lift >= 0.05).OrderByDescending(p => p.Lift).ThenBy(p => p.Term, StringComparer.Ordinal)
            .Take(count).Select(p => p.Term).ToList();
    }

    private static Dictionary<string, long> Counts(IEnumerable<(string Key, long N)> rows) =>
        rows.GroupBy(r => r.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(r => r.N), StringComparer.Ordinal);

    private static Dictionary<int, long> Histogram(IEnumerable<(int Value, long N)> rows) =>
        rows.GroupBy(r => r.Value).ToDictionary(g => g.Key, g => g.Sum(r => r.N));

    private static long[] Buckets(IEnumerable<(int Bucket, long N)> rows)
    {
        var counts = new long[QuerySignature.Buckets];
        foreach (var (bucket, n) in rows)
            if (bucket is >= 0 and < QuerySignature.Buckets)
                counts[bucket] += n;
        return counts;
    }

    private static string Versions(IEnumerable<int> versions) =>
        versions.Any() ? string.Join(", ", versions.Distinct().Order().Select(v => $"v{v}")) : "none";

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    [LoggerMessage(Level = LogLevel.Information, Message = "Drift {Kind}/{Statistic} in project {Project}, {Subject}: {Detail}")]
    private static partial void LogDrift(ILogger logger, string kind, string statistic, string project, string subject, string? detail);
}
