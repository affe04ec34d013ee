using LlmOps.Contracts.Tracing;
using MassTransit;
using MassTransit.Context;

namespace LlmOps.Evaluator.Features.Judges;

/// <summary>
/// Whether any project this replica's catalog holds has a judge evaluator (<see cref="Configuration.EvaluatorCatalog"/>
/// keeps it current on every reload). While none has — the defaults are all lexical — the judge lane's queues acknowledge
/// their messages without reading them: turning every finished trace's text into objects a second time, only to find
/// nothing to judge, took about 40 % of the online path's CPU (docs/performance.md). A replica whose catalog is stale
/// misses a new judge evaluator exactly as long as it would have without this.
/// </summary>
public sealed class JudgeLane
{
    // Until the catalog has loaded, everything is read.
    private volatile bool _anyJudges = true;

    public bool AnyJudges => _anyJudges;

    public void Update(bool anyJudges) => _anyJudges = anyJudges;

    /// <summary>In front of a judge-lane consumer of <typeparamref name="T"/>: acknowledges as consumed, unread, while no project has a judge.</summary>
    public sealed class SkipFilter<T>(JudgeLane lane, T nothing) : IFilter<ConsumeContext> where T : class
    {
        public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
            lane.AnyJudges
                ? next.Send(context)
                : context.NotifyConsumed(new MessageConsumeContext<T>(context, nothing), TimeSpan.Zero, nameof(JudgeLane));

        public void Probe(ProbeContext context) => context.CreateFilterScope("skip-without-judges");
    }

    public static SkipFilter<TraceCompletedBatch> BatchFilter(JudgeLane lane) => new(lane, new TraceCompletedBatch { Traces = [] });

    public static SkipFilter<TraceCompleted> TraceFilter(JudgeLane lane) => new(lane, new TraceCompleted
    {
        ProjectId = "", TraceId = "", Status = "", StartedAt = DateTimeOffset.UnixEpoch, CompletedAt = DateTimeOffset.UnixEpoch,
    });
}
