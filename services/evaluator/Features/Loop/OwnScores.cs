using LlmOps.Contracts.Evaluation;
using MassTransit;
using MassTransit.Context;

namespace LlmOps.Evaluator.Features.Loop;

/// <summary>
/// The evaluator's own score batches carry a header, so its score queues can drop them before their scores are
/// deserialised: the replica that produced them has already put what the loop needs in the database (the check masks and
/// its own rows), and a busy evaluator otherwise spends a good part of its CPU reading back every score it published.
/// </summary>
public static class OwnScores
{
    /// <summary>A transport header (read without touching the body), present only on the evaluator's own scores.</summary>
    public const string Header = "LlmOps-Score-Origin";

    public const string Evaluator = "evaluator";

    /// <summary>Publishes the evaluator's scores, marked as its own.</summary>
    public static Task PublishAsync(ConsumeContext context, ScoreRecordedBatch batch) =>
        context.Publish(batch, p => p.Headers.Set(Header, Evaluator), context.CancellationToken);

    public static bool IsOwn(ConsumeContext context) =>
        context.ReceiveContext.TransportHeaders.TryGetHeader(Header, out var value) && value?.ToString() == Evaluator
        || context.Headers.TryGetHeader(Header, out value) && value?.ToString() == Evaluator;

    /// <summary>
    /// Sits in front of the score consumers: an own message is acknowledged as consumed (not moved to the skipped queue)
    /// and never reaches the consumer, so its body is never turned into scores.
    /// </summary>
    public sealed class SkipFilter : IFilter<ConsumeContext>
    {
        private static readonly ScoreRecordedBatch Nothing = new() { Scores = [] };

        public Task Send(ConsumeContext context, IPipe<ConsumeContext> next) =>
            IsOwn(context)
                ? context.NotifyConsumed(new MessageConsumeContext<ScoreRecordedBatch>(context, Nothing), TimeSpan.Zero, nameof(SkipFilter))
                : next.Send(context);

        public void Probe(ProbeContext context) => context.CreateFilterScope("skip-own-scores");
    }
}
