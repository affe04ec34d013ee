namespace LlmOps.FeedbackIngest;

/// <summary>
/// The feedback-ingest service: human feedback (thumbs, ratings, labels, corrections) linked to traces, published as FeedbackReceived and human ScoreRecorded.
/// This slice is the host only (shared logging, telemetry, health, bus and key authentication, runnable alone and
/// composed into the embedded platform); its consumers, storage and endpoints arrive with issue #6.
/// </summary>
public static class FeedbackIngestExtensions
{
    public const string ServiceName = "feedback-ingest";

    public static WebApplicationBuilder AddFeedbackIngest(this WebApplicationBuilder builder) => builder;

    public static WebApplication MapFeedbackIngestEndpoints(this WebApplication app) => app;
}
