using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmOps.Contracts.Cost;
using LlmOps.ServiceDefaults.Telemetry;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Features.Budgets;

/// <summary>
/// This replica's slices of each project's budgets, leased from cost-accountant and spent in memory. Every charge made
/// under a lease (a request's reservation, then its correction to the real cost) counts against it; when the lease is
/// handed back, what was charged is reported as spent, and charges made while the renewal was under way move to the new
/// lease. Renewals run in the background: every <c>RefreshSeconds</c> for projects in use, at once when a slice runs
/// below half, and a request only waits (at most <c>LeaseWaitMs</c>) when this replica holds nothing it could use.
/// </summary>
public sealed partial class BudgetBook(IBus bus, Events.BrokerHealth broker, IOptions<InferenceProxyOptions> options, TimeProvider clock,
    ILogger<BudgetBook> logger)
    : BackgroundService
{
    private static readonly Counter<long> Renewals = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.budget.lease_requests", description: "Budget lease requests to cost-accountant, by outcome");

    private readonly ConcurrentDictionary<string, ProjectBudgets> _projects = new(StringComparer.Ordinal);
    private readonly string _replica = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private long _unreachableUntil;

    /// <summary>One budget as this replica holds it.</summary>
    public sealed class Slice
    {
        public required Guid BudgetId { get; init; }
        public required string Scope { get; set; }
        public required string ScopeValue { get; set; }
        public Guid? LeaseId { get; set; }
        public long Granted { get; set; }

        /// <summary>Charged under the current lease (reservations and corrections; may exceed <see cref="Granted"/>).</summary>
        public long Used { get; set; }

        /// <summary>The largest reservation this slice could not cover: the next lease should be at least this.</summary>
        public long Wanted { get; set; }

        public long Balance => Granted - Used;
    }

    public sealed class ProjectBudgets
    {
        public readonly Lock Gate = new();
        public List<Slice> Slices { get; set; } = [];
        public Dictionary<(string? Provider, string Model), ModelPrice> Prices { get; } = [];
        public HashSet<(string? Provider, string Model)> Unpriced { get; } = [];
        public HashSet<(string? Provider, string Model)> Wanted { get; } = [];
        public bool Known { get; set; }

        /// <summary>Until then a request its slices cannot cover is refused without asking again (the last renewal found a budget spent).</summary>
        public long DryUntilTicks { get; set; }

        public Task? Renewal { get; set; }
        public long LastUsedTicks { get; set; }
    }

    public bool Enabled => options.Value.Budgets.Enabled;

    public ProjectBudgets Of(string projectId)
    {
        var project = _projects.GetOrAdd(projectId, _ => new ProjectBudgets());
        project.LastUsedTicks = clock.GetUtcNow().UtcTicks;
        return project;
    }

    /// <summary>True while a budget of the project was found spent less than a second ago.</summary>
    public bool Dry(ProjectBudgets project) => clock.GetUtcNow().UtcTicks < project.DryUntilTicks;

    /// <summary>True while lease requests recently failed: requests do not wait on cost-accountant then.</summary>
    public bool Unreachable => clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _unreachableUntil);

    /// <summary>Starts a renewal unless one is under way; returns it.</summary>
    public Task RenewAsync(string projectId, ProjectBudgets project, bool release = false)
    {
        lock (project.Gate)
        {
            if (project.Renewal is { IsCompleted: false } running)
                return running;
            project.Renewal = Task.Run(() => RenewCoreAsync(projectId, project, release));
            return project.Renewal;
        }
    }

    /// <summary>
    /// Waits for a renewal: at most <c>LeaseWaitMs</c>, or, for a project this replica has no answer about yet or a
    /// model whose price it does not hold yet (<paramref name="needsPrices"/>), until the renewal ends (at most
    /// <c>LeaseTimeoutMs</c>): a slow answer must not let requests through unchecked, only a missing one. Not at all
    /// while the bus says the broker is down.
    /// </summary>
    public async Task<bool> WaitForRenewalAsync(string projectId, ProjectBudgets project, CancellationToken cancellationToken, bool needsPrices = false)
    {
        if (Unreachable)
            return false;
        var renewal = RenewAsync(projectId, project);
        // The bus already knows the broker is away: the answer cannot come, so the request does not wait for it (the
        // renewal goes on and marks cost-accountant unreachable when it times out, as any failed renewal does).
        if (broker.KnownDown)
            return false;
        var wait = project.Known && !needsPrices ? options.Value.Budgets.LeaseWaitMs : options.Value.Budgets.LeaseTimeoutMs + 500;
        var done = await Task.WhenAny(renewal, Task.Delay(wait, cancellationToken));
        return done == renewal;
    }

    private async Task RenewCoreAsync(string projectId, ProjectBudgets project, bool release)
    {
        LeaseBudget request;
        Dictionary<Guid, long> reported;
        lock (project.Gate)
        {
            // A lease renewed under traffic is reported spent in full: requests admitted against it while this renewal is in
            // flight would otherwise be counted nowhere when the answer brings no new lease (the budget ran dry) and other
            // replicas were granted what they used. The unused rest stays here as credit on the next lease (see below).
            // A release (idle, stopping) reports what was really used, so the rest goes back to the others.
            reported = project.Slices.Where(s => s.LeaseId is not null)
                .ToDictionary(s => s.LeaseId!.Value, s => release ? s.Used : Math.Max(s.Used, s.Granted));
            request = new LeaseBudget
            {
                ProjectId = projectId,
                ReplicaId = _replica,
                Release = release,
                Returns = [.. reported.Select(r => new BudgetLeaseReturn { LeaseId = r.Key, SpentNanos = r.Value })],
                MinimumNanos = project.Slices.Where(s => s.Wanted > 0).ToDictionary(s => s.BudgetId.ToString(), s => s.Wanted),
                Models = [.. project.Wanted.Concat(project.Prices.Keys).Distinct().Select(m => new PricedModel { Provider = m.Provider, Model = m.Model })],
            };
        }

        BudgetLeases answer;
        try
        {
            var client = bus.CreateRequestClient<LeaseBudget>(RequestTimeout.After(ms: options.Value.Budgets.LeaseTimeoutMs));
            answer = (await client.GetResponse<BudgetLeases>(request)).Message;
        }
        catch (Exception exception)
        {
            // Timeout, fault, or a bus not started yet: nothing changes here; the next renewal tries again.
            Renewals.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
            Interlocked.Exchange(ref _unreachableUntil, clock.GetUtcNow().UtcTicks + TimeSpan.TicksPerSecond * 10);
            LogUnreachable(logger, projectId, exception.GetType().Name);
            return;
        }
        Renewals.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
        Interlocked.Exchange(ref _unreachableUntil, 0);

        lock (project.Gate)
        {
            var previous = project.Slices.ToDictionary(s => s.BudgetId);
            project.Slices = answer.Budgets.Select(lease =>
            {
                var slice = previous.GetValueOrDefault(lease.BudgetId)
                            ?? new Slice { BudgetId = lease.BudgetId, Scope = lease.Scope, ScopeValue = lease.ScopeValue };
                slice.Scope = lease.Scope;
                slice.ScopeValue = lease.ScopeValue;
                // What was charged while the renewal was under way moves to the new lease; what the old lease had left
                // (reported as spent) comes along as credit.
                var since = slice.LeaseId is { } old && reported.TryGetValue(old, out var sent) ? slice.Used - sent : slice.Used;
                slice.LeaseId = lease.LeaseId;
                slice.Granted = lease.GrantedNanos;
                slice.Used = since;
                slice.Wanted = 0;
                return slice;
            }).ToList();
            foreach (var price in answer.Prices)
                project.Prices[(price.Provider, price.Model)] = price;
            foreach (var model in request.Models.Select(m => (m.Provider, m.Model)).Where(m => !project.Prices.ContainsKey(m)))
                project.Unpriced.Add(model);
            // Only what this renewal asked for: a model wanted since its request was built waits for the next one.
            project.Wanted.ExceptWith(request.Models.Select(m => (m.Provider, m.Model)));
            project.Known = true;
            project.DryUntilTicks = answer.Budgets.Any(b => b.LeaseId is null) ? clock.GetUtcNow().UtcTicks + TimeSpan.TicksPerSecond : 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
            return;
        var period = TimeSpan.FromSeconds(options.Value.Budgets.RefreshSeconds);
        using var timer = new PeriodicTimer(period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var idleSince = clock.GetUtcNow().UtcTicks - TimeSpan.TicksPerMinute;
                foreach (var (projectId, project) in _projects)
                {
                    if (!project.Known)
                        continue;
                    if (project.LastUsedTicks >= idleSince)
                        _ = RenewAsync(projectId, project);
                    else if (project.Slices.Any(s => s.LeaseId is not null))
                        _ = RenewAsync(projectId, project, release: true);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Hand the slices back so other replicas can use them.
        var releases = _projects.Where(p => p.Value.Slices.Any(s => s.LeaseId is not null))
            .Select(p => RenewAsync(p.Key, p.Value, release: true));
        await Task.WhenAny(Task.WhenAll(releases), Task.Delay(options.Value.Budgets.LeaseTimeoutMs, cancellationToken));
        await base.StopAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Budget leases for project {ProjectId} could not be renewed ({Reason}); requests of projects without leases are admitted until cost-accountant answers")]
    private static partial void LogUnreachable(ILogger logger, string projectId, string reason);
}
