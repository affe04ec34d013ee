using System.Threading.RateLimiting;
using LlmOps.FeedbackIngest.Features.Feedback;
using LlmOps.FeedbackIngest.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Http;
using LlmOps.ServiceDefaults.Storage;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LlmOps.FeedbackIngest;

/// <summary>
/// The feedback-ingest service: human feedback (thumbs, ratings, labels, comments, corrections) linked to traces,
/// kept, and published as FeedbackReceived and human ScoreRecorded; rate-limited per key.
/// </summary>
public static class FeedbackIngestExtensions
{
    public const string ServiceName = "feedback-ingest";
    public const string RateLimitPolicy = "feedback-per-key";

    public static WebApplicationBuilder AddFeedbackIngest(this WebApplicationBuilder builder)
    {
        builder.AddServiceDbContext<FeedbackIngestDbContext>(ServiceName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<FeedbackPublisher>();
        builder.Services.AddSingleton<TraceOwnership>();
        builder.Services.AddHostedService<FeedbackRepublisher>();
        var perSecond = builder.Configuration.GetValue("FeedbackIngest:RequestsPerSecondPerKey", 200);
        builder.Services.AddRateLimiter(limiter =>
        {
            // Per key and per replica: a token bucket that allows short bursts of twice the rate.
            limiter.AddPolicy(RateLimitPolicy, context => RateLimitPartition.GetTokenBucketLimiter(
                context.User.KeyIdOf() ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond * 2,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                rejected.HttpContext.Response.Headers.RetryAfter = "1";
                await ErrorResponses.WriteAsync(rejected.HttpContext, 429, $"At most {perSecond} feedback requests per second per key.",
                    "rate_limit_exceeded");
            };
        });
        return builder;
    }

    public static WebApplication MapFeedbackIngestEndpoints(this WebApplication app)
    {
        app.UseRateLimiter();
        var feedback = app.MapGroup("/api/feedback").WithTags(ServiceName);
        feedback.MapPost("/", FeedbackEndpoints.PostAsync).RequireRateLimiting(RateLimitPolicy);
        feedback.MapGet("/", FeedbackEndpoints.ListAsync);
        return app;
    }
}
