using System.Collections.Frozen;
using System.Text.Json;
using LlmOps.Evaluator.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Configuration;

/// <summary>An evaluator ready to run: its settings parsed once, its filters and sampling rate at hand.</summary>
public sealed record CompiledEvaluator(Guid Id, string ProjectId, string Name, string Kind, string Method, CheckSettings Settings,
    string? PromptName, string? Model, string? Feature, double SamplingRate, int Version, string? JudgeDeployment, string? RubricVersion)
{
    public bool Matches(string? promptName, string? model, string? feature) =>
        (PromptName is null || PromptName == promptName) && (Model is null || Model == model) && (Feature is null || Feature == feature);
}

/// <summary>
/// Every project's evaluators in memory (online evaluation never waits on the database), reloaded every
/// <see cref="EvaluatorOptions.ConfigRefreshSeconds"/> and at once after a change through this replica's API. A project
/// that configured nothing gets the defaults: refusal and PII-leak checks on every trace, and the RAG triad (answer
/// relevance, which needs only the question and the answer; context relevance and faithfulness, not applicable without
/// retrieved documents).
/// </summary>
public sealed partial class EvaluatorCatalog(IServiceScopeFactory scopes, IOptions<EvaluatorOptions> options, Judges.JudgeLane judgeLane,
    ILogger<EvaluatorCatalog> logger)
{
    private static readonly string[] DefaultKinds =
        [Loop.ScoreNames.Refusal, Loop.ScoreNames.PiiLeak, Loop.ScoreNames.ContextRelevance, Loop.ScoreNames.Faithfulness, Loop.ScoreNames.AnswerRelevance];

    private volatile FrozenDictionary<string, CompiledEvaluator[]> _byProject = FrozenDictionary<string, CompiledEvaluator[]>.Empty;
    private readonly SemaphoreSlim _reload = new(1, 1);

    public DateTime LoadedAt { get; private set; }

    // Built once: scoring reads only kinds, settings and names from an evaluator, never its project.
    private static readonly CompiledEvaluator[] SharedDefaults = Defaults("");

    public IReadOnlyList<CompiledEvaluator> For(string projectId) =>
        _byProject.TryGetValue(projectId, out var evaluators) ? evaluators
        : options.Value.DefaultEvaluators ? SharedDefaults : [];

    public static CompiledEvaluator[] Defaults(string projectId) =>
        DefaultKinds.Select(kind => new CompiledEvaluator(Guid.Empty, projectId, kind, kind, EvaluatorKinds.Lexical,
            EvaluatorKinds.Compile(kind, null).Settings!, null, null, null, 1.0, 0, null, null)).ToArray();

    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<EvaluatorDbContext>();
            var records = await db.Evaluators.AsNoTracking().ToListAsync(cancellationToken);
            var compiled = new Dictionary<string, List<CompiledEvaluator>>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                // A project with only disabled evaluators has chosen: no defaults for it either.
                var list = compiled.TryGetValue(record.ProjectId, out var existing) ? existing : compiled[record.ProjectId] = [];
                if (!record.Enabled)
                    continue;
                if (Compile(record) is { } evaluator)
                    list.Add(evaluator);
                else
                    LogUnusable(logger, record.Name, record.ProjectId);
            }
            _byProject = compiled.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
            judgeLane.Update(compiled.Values.Any(list => list.Any(e => e.Method == EvaluatorKinds.Judge))
                             || options.Value.DefaultEvaluators && SharedDefaults.Any(e => e.Method == EvaluatorKinds.Judge));
            LoadedAt = DateTime.UtcNow;
        }
        finally
        {
            _reload.Release();
        }
    }

    public static CompiledEvaluator? Compile(EvaluatorRecord record)
    {
        JsonElement? settings = null;
        if (record.Settings is { } json)
        {
            using var document = JsonDocument.Parse(json);
            settings = document.RootElement.Clone();
        }
        var (compiled, _) = EvaluatorKinds.Compile(record.Kind, settings);
        return compiled is null
            ? null
            : new CompiledEvaluator(record.Id, record.ProjectId, record.Name, record.Kind, record.Method, compiled, record.PromptName, record.Model,
                record.Feature, record.SamplingRate, record.Version, record.JudgeDeployment, record.RubricVersion);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evaluator {Name} of project {Project} has settings that no longer compile; skipped")]
    private static partial void LogUnusable(ILogger logger, string name, string project);
}

/// <summary>Loads the catalog before the bus consumes, then refreshes it (other replicas' changes).</summary>
public sealed class EvaluatorCatalogLoader(EvaluatorCatalog catalog, IOptions<EvaluatorOptions> options, ILogger<EvaluatorCatalogLoader> logger)
    : BackgroundService
{
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await catalog.ReloadAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.ConfigRefreshSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await catalog.ReloadAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The database may be restarting: keep evaluating with what is loaded.
                logger.LogWarning(ex, "Could not reload the evaluator configuration; keeping the loaded one");
            }
        }
    }
}
