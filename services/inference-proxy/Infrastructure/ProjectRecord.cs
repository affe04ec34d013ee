namespace LlmOps.InferenceProxy.Infrastructure;

public sealed class ProjectRecord
{
    public required string Id { get; set; }
    public required string Name { get; set; }

    /// <summary>Whether request and response text of this project's traffic is captured into events and traces.</summary>
    public bool CaptureContent { get; set; } = true;

    public DateTime CreatedAt { get; set; }
}
