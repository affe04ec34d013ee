using LlmOps.Contracts.Tracing;
using MassTransit;

namespace LlmOps.FeedbackIngest.Features.Feedback;

/// <summary>
/// Asks trace-collector which projects hold each trace named in a feedback request. A trace held only by other projects
/// is refused; a trace nobody holds yet is accepted (traces can arrive after their feedback), and so is every trace when
/// the collector does not answer in time (<c>FeedbackIngest:TraceCheckTimeoutMs</c>): feedback is never lost to a slow
/// check, and it is recorded under the caller's project anyway, so it can never land on another project's trace.
/// </summary>
public sealed class TraceOwnership(IBus bus, IConfiguration configuration)
{
    private readonly bool _enabled = configuration.GetValue("FeedbackIngest:CheckTraceProject", true);
    private readonly int _timeoutMs = configuration.GetValue("FeedbackIngest:TraceCheckTimeoutMs", 1_000);

    /// <summary>The trace ids of <paramref name="traceIds"/> that belong to other projects only.</summary>
    public async Task<IReadOnlyList<string>> ForeignAsync(string projectId, IEnumerable<string> traceIds, CancellationToken cancellationToken)
    {
        if (!_enabled)
            return [];
        var client = bus.CreateRequestClient<GetTraceProjects>(RequestTimeout.After(ms: _timeoutMs));
        var answers = await Task.WhenAll(traceIds.Distinct().Select(async traceId =>
        {
            try
            {
                var response = await client.GetResponse<TraceProjects>(new GetTraceProjects { TraceId = traceId }, cancellationToken);
                var projects = response.Message.ProjectIds;
                return projects.Count > 0 && !projects.Contains(projectId) ? traceId : null;
            }
            catch (RequestTimeoutException)
            {
                return null;
            }
        }));
        return answers.OfType<string>().ToList();
    }
}
