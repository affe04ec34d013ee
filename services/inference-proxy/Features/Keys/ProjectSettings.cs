using System.Collections.Concurrent;
using LlmOps.Contracts.Access;
using MassTransit;

namespace LlmOps.InferenceProxy.Features.Keys;

/// <summary>
/// Per-project gateway settings held in memory (the request path never reads the database): loaded at start, updated by
/// ProjectCreated / ProjectUpdated, which every gateway replica hears on its own queue.
/// </summary>
public sealed class ProjectSettings
{
    private readonly ConcurrentDictionary<string, ProjectSettingValues> _settings = new(StringComparer.Ordinal);

    /// <summary>Whether this project's request and response text is captured (unknown projects: yes, the default).</summary>
    public bool CaptureContent(string projectId) => Of(projectId).CaptureContent;

    /// <summary>How long the exact cache keeps this project's answers (unknown projects: no caching).</summary>
    public TimeSpan CacheTtl(string projectId) => TimeSpan.FromSeconds(Of(projectId).CacheTtlSeconds);

    public ProjectSettingValues Of(string projectId) => _settings.GetValueOrDefault(projectId, ProjectSettingValues.Default);

    public void Apply(string projectId, ProjectSettingValues values) => _settings[projectId] = values;
}

public sealed record ProjectSettingValues(bool CaptureContent, int CacheTtlSeconds, int? RequestsPerMinute, long? TokensPerMinute)
{
    public static readonly ProjectSettingValues Default = new(true, 0, null, null);

    public static ProjectSettingValues Of(Infrastructure.ProjectRecord project) =>
        new(project.CaptureContent, project.CacheTtlSeconds, project.RequestsPerMinute, project.TokensPerMinute);
}

public sealed class ProjectCreatedConsumer(ProjectSettings settings) : IConsumer<ProjectCreated>
{
    public Task Consume(ConsumeContext<ProjectCreated> context)
    {
        var m = context.Message;
        settings.Apply(m.ProjectId, new ProjectSettingValues(m.CaptureContent, m.CacheTtlSeconds, m.RequestsPerMinute, m.TokensPerMinute));
        return Task.CompletedTask;
    }
}

public sealed class ProjectUpdatedConsumer(ProjectSettings settings) : IConsumer<ProjectUpdated>
{
    public Task Consume(ConsumeContext<ProjectUpdated> context)
    {
        var m = context.Message;
        settings.Apply(m.ProjectId, new ProjectSettingValues(m.CaptureContent, m.CacheTtlSeconds, m.RequestsPerMinute, m.TokensPerMinute));
        return Task.CompletedTask;
    }
}
