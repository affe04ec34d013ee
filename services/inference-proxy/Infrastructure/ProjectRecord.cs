namespace LlmOps.InferenceProxy.Infrastructure;

public sealed class ProjectRecord
{
    public required string Id { get; set; }
    public required string Name { get; set; }

    public DateTime CreatedAt { get; set; }
}
