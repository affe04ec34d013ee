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
    private readonly ConcurrentDictionary<string, (bool Capture, int CacheTtlSeconds)> _settings = new(StringComparer.Ordinal);

    /// <summary>Whether this project's request and response text is captured (unknown projects: yes, the default).</summary>
    public bool CaptureContent(string projectId) => !_settings.TryGetValue(projectId, out var s) || s.Capture;

    /// <summary>How long the exact cache keeps this project's answers (unknown projects: no caching).</summary>
    public TimeSpan CacheTtl(string projectId) => TimeSpan.FromSeconds(_settings.TryGetValue(projectId, out var s) ? s.CacheTtlSeconds : 0);

    public void Apply(string projectId, bool captureContent, int cacheTtlSeconds) => _settings[projectId] = (captureContent, cacheTtlSeconds);
}

public sealed class ProjectCreatedConsumer(ProjectSettings settings) : IConsumer<ProjectCreated>
{
    public Task Consume(ConsumeContext<ProjectCreated> context)
    {
        settings.Apply(context.Message.ProjectId, context.Message.CaptureContent, context.Message.CacheTtlSeconds);
        return Task.CompletedTask;
    }
}

public sealed class ProjectUpdatedConsumer(ProjectSettings settings) : IConsumer<ProjectUpdated>
{
    public Task Consume(ConsumeContext<ProjectUpdated> context)
    {
        settings.Apply(context.Message.ProjectId, context.Message.CaptureContent, context.Message.CacheTtlSeconds);
        return Task.CompletedTask;
    }
}
