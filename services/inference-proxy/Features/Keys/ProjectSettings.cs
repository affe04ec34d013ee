using System.Collections.Concurrent;
using System.Text.Json;
using LlmOps.Contracts.Access;
using LlmOps.InferenceProxy.Features.Guardrails;
using MassTransit;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>
/// Per-project gateway settings held in memory (the request path never reads the database): loaded at start, updated by
/// ProjectCreated / ProjectUpdated, which every gateway replica hears on its own queue. Guardrail rules arrive compiled.
/// </summary>
public sealed class ProjectSettings
{
    private readonly ConcurrentDictionary<string, ProjectSettingValues> _settings = new(StringComparer.Ordinal);

    /// <summary>Whether this project's request and response text is captured (unknown projects: yes, the default).</summary>
    public bool CaptureContent(string projectId) => Of(projectId).CaptureContent;

    /// <summary>How long the exact cache keeps this project's answers (unknown projects: no caching).</summary>
    public TimeSpan CacheTtl(string projectId) => TimeSpan.FromSeconds(Of(projectId).CacheTtlSeconds);

    /// <summary>The project's guardrail rails (unknown projects: none).</summary>
    public GuardrailSet Guardrails(string projectId) => Of(projectId).Rails;

    public ProjectSettingValues Of(string projectId) => _settings.GetValueOrDefault(projectId, ProjectSettingValues.Default);

    public void Apply(string projectId, ProjectSettingValues values) => _settings[projectId] = values;
}

public sealed record ProjectSettingValues(bool CaptureContent, int CacheTtlSeconds, int? RequestsPerMinute, long? TokensPerMinute)
{
    public static readonly ProjectSettingValues Default = new(true, 0, null, null);

    public GuardrailSet Rails { get; init; } = GuardrailSet.Empty;

    /// <summary>Null or disabled: no semantic cache.</summary>
    public SemanticCacheSettings? SemanticCache { get; init; }

    public static ProjectSettingValues Of(Infrastructure.ProjectRecord project) =>
        new(project.CaptureContent, project.CacheTtlSeconds, project.RequestsPerMinute, project.TokensPerMinute)
        {
            Rails = GuardrailSet.Compile(ProjectJson.Guardrails(project.GuardrailsJson)),
            SemanticCache = ProjectJson.SemanticCache(project.SemanticCacheJson),
        };

    public static ProjectSettingValues Of(ProjectCreated m) =>
        Of(m.CaptureContent, m.CacheTtlSeconds, m.RequestsPerMinute, m.TokensPerMinute, m.Guardrails, m.SemanticCache);

    public static ProjectSettingValues Of(ProjectUpdated m) =>
        Of(m.CaptureContent, m.CacheTtlSeconds, m.RequestsPerMinute, m.TokensPerMinute, m.Guardrails, m.SemanticCache);

    private static ProjectSettingValues Of(bool capture, int ttl, int? rpm, long? tpm, IReadOnlyList<GuardrailRule> rails, SemanticCacheSettings? semantic) =>
        new(capture, ttl, rpm, tpm) { Rails = GuardrailSet.Compile(rails), SemanticCache = semantic };
}

/// <summary>How the project's structured settings are stored in its row.</summary>
public static class ProjectJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static IReadOnlyList<GuardrailRule> Guardrails(string? json) =>
        json is null ? [] : JsonSerializer.Deserialize<List<GuardrailRule>>(json, Options) ?? [];

    public static SemanticCacheSettings? SemanticCache(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<SemanticCacheSettings>(json, Options);

    public static string? Write(IReadOnlyList<GuardrailRule> rules) => rules.Count == 0 ? null : JsonSerializer.Serialize(rules, Options);

    public static string? Write(SemanticCacheSettings? settings) => settings is null ? null : JsonSerializer.Serialize(settings, Options);
}

public sealed class ProjectCreatedConsumer(ProjectSettings settings) : IConsumer<ProjectCreated>
{
    public Task Consume(ConsumeContext<ProjectCreated> context)
    {
        settings.Apply(context.Message.ProjectId, ProjectSettingValues.Of(context.Message));
        return Task.CompletedTask;
    }
}

public sealed class ProjectUpdatedConsumer(ProjectSettings settings) : IConsumer<ProjectUpdated>
{
    public Task Consume(ConsumeContext<ProjectUpdated> context)
    {
        settings.Apply(context.Message.ProjectId, ProjectSettingValues.Of(context.Message));
        return Task.CompletedTask;
    }
}
