using LlmOps.Contracts.Tracing;
using LlmOps.TraceCollector.Infrastructure;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.TraceCollector.Features.Query;

/// <summary>Answers which projects hold a trace id (for feedback-ingest's check that feedback names the caller's trace).</summary>
public sealed class GetTraceProjectsConsumer(TraceCollectorDbContext db) : IConsumer<GetTraceProjects>
{
    public async Task Consume(ConsumeContext<GetTraceProjects> context)
    {
        var projects = context.Message.TraceId.Length is 0 or > 64
            ? []
            : await db.Traces.AsNoTracking().Where(t => t.Id == context.Message.TraceId).Select(t => t.ProjectId).Take(100)
                .ToListAsync(context.CancellationToken);
        await context.RespondAsync(new TraceProjects { TraceId = context.Message.TraceId, ProjectIds = projects });
    }
}
