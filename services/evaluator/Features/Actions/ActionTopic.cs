using LlmOps.ServiceDefaults.Messaging;

namespace LlmOps.Evaluator.Features.Actions;

/// <summary>
/// RAG and fine-tune actions as CloudEvents on <c>llmops.actions</c>, for the customer's own indexer and training
/// pipeline (docs/topics.md): the event id is the action id, so a re-published action is a duplicate subscribers drop.
/// </summary>
public sealed class ActionTopic(ITopicPublisher topics)
{
    private static readonly string Source = CloudEventSources.For(EvaluatorExtensions.ServiceName);

    public Task PublishAsync(Guid actionId, string projectId, object message, CancellationToken cancellationToken)
    {
        var cloudEvent = CloudEvent.Create(Source, message, subject: projectId, id: actionId.ToString()) with
        {
            Type = CloudEventTypes.Of(message.GetType()),
        };
        return topics.PublishAsync(Topics.Actions, cloudEvent, cancellationToken);
    }
}
