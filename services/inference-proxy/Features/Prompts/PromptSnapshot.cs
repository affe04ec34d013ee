using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.InferenceProxy.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.InferenceProxy.Features.Prompts;

/// <summary>One prompt as the request path sees it: its versions and where its labels point. Immutable.</summary>
public sealed record PromptSnapshot(
    string ProjectId,
    string Name,
    string Policy,
    IReadOnlyDictionary<int, PromptVersionView> Versions,
    IReadOnlyDictionary<string, LabelTarget> Labels)
{
    public const string LatestLabel = "latest";
    public const string DefaultLabel = "production";

    public int Latest => Versions.Keys.Max();

    /// <summary>A label's target; <c>latest</c> always points at the newest version.</summary>
    public LabelTarget? Label(string label) =>
        label == LatestLabel ? new LabelTarget(Latest, null) : Labels.GetValueOrDefault(label);
}

public sealed record PromptVersionView(
    int Version,
    IReadOnlyList<PromptMessage> Messages,
    string? Model,
    JsonObject? Parameters,
    JsonNode? ResponseSchema,
    string? CommitMessage,
    string Author,
    DateTime CreatedAt);

public sealed record PromptMessage(string Role, string Content);

/// <summary>One version, or traffic split between versions by weight.</summary>
public sealed record LabelTarget(int? Version, IReadOnlyList<SplitPart>? Split)
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public IEnumerable<int> VersionsUsed => Version is { } v ? [v] : Split?.Select(p => p.Version) ?? [];

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LabelTarget FromJson(string json) => JsonSerializer.Deserialize<LabelTarget>(json, Json)!;
}

public sealed record SplitPart(int Version, int Weight);

/// <summary>Every prompt of every project, in memory: the request path never reads the database.</summary>
public sealed class PromptCache
{
    private readonly ConcurrentDictionary<(string Project, string Name), PromptSnapshot> _prompts = new();

    public PromptSnapshot? Get(string projectId, string name) => _prompts.GetValueOrDefault((projectId, name));

    public void Set(PromptSnapshot snapshot) => _prompts[(snapshot.ProjectId, snapshot.Name)] = snapshot;

    public void Remove(string projectId, string name) => _prompts.TryRemove((projectId, name), out _);
}

/// <summary>Reads prompts from the registry's tables into snapshots.</summary>
public static class PromptLoader
{
    public static async Task<PromptSnapshot?> LoadAsync(InferenceProxyDbContext db, string projectId, string name, CancellationToken cancellationToken)
    {
        var prompt = await db.Prompts.AsNoTracking().SingleOrDefaultAsync(p => p.ProjectId == projectId && p.Name == name, cancellationToken);
        if (prompt is null)
            return null;
        var versions = await db.PromptVersions.AsNoTracking().Where(v => v.ProjectId == projectId && v.Name == name).ToListAsync(cancellationToken);
        var labels = await db.PromptLabels.AsNoTracking().Where(l => l.ProjectId == projectId && l.Name == name).ToListAsync(cancellationToken);
        return Build(prompt, versions, labels);
    }

    public static async Task<List<PromptSnapshot>> LoadAllAsync(InferenceProxyDbContext db, CancellationToken cancellationToken)
    {
        var prompts = await db.Prompts.AsNoTracking().ToListAsync(cancellationToken);
        var versions = (await db.PromptVersions.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(v => (v.ProjectId, v.Name));
        var labels = (await db.PromptLabels.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(l => (l.ProjectId, l.Name));
        return prompts.Where(p => versions[(p.ProjectId, p.Name)].Any())
            .Select(p => Build(p, versions[(p.ProjectId, p.Name)], labels[(p.ProjectId, p.Name)])).ToList();
    }

    private static PromptSnapshot Build(PromptRecord prompt, IEnumerable<PromptVersionRecord> versions, IEnumerable<PromptLabelRecord> labels) => new(
        prompt.ProjectId,
        prompt.Name,
        prompt.Policy,
        versions.ToDictionary(v => v.Version, v => new PromptVersionView(
            v.Version,
            JsonSerializer.Deserialize<List<PromptMessage>>(v.Messages, JsonSerializerOptions.Web) ?? [],
            v.Model,
            v.Parameters is null ? null : JsonNode.Parse(v.Parameters) as JsonObject,
            v.ResponseSchema is null ? null : JsonNode.Parse(v.ResponseSchema),
            v.CommitMessage,
            v.Author,
            DateTime.SpecifyKind(v.CreatedAt, DateTimeKind.Utc))),
        labels.ToDictionary(l => l.Label, l => LabelTarget.FromJson(l.Target)));
}
