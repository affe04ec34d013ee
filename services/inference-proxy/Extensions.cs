using LlmOps.InferenceProxy.Features.Caching;
using LlmOps.InferenceProxy.Features.Events;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.InferenceProxy.Features.Prompts;
using LlmOps.InferenceProxy.Features.Providers;
using LlmOps.InferenceProxy.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using LlmOps.ServiceDefaults.Messaging;
using LlmOps.ServiceDefaults.Storage;
using LlmOps.ServiceDefaults.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Routing;

namespace LlmOps.InferenceProxy;

public static class InferenceProxyExtensions
{
    public const string ServiceName = "inference-proxy";

    public static WebApplicationBuilder AddInferenceProxy(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceProxyOptions>()
            .BindConfiguration(InferenceProxyOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Deployments.All(d => Uri.TryCreate(d.BaseUrl, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
                    || d.BaseUrl.StartsWith('/')),
                "Every InferenceProxy:Deployments entry needs a BaseUrl that is an http(s) URL or a path on this host.")
            .Validate(o => o.Deployments.All(d => Providers.All.Contains(d.Provider)),
                $"Every InferenceProxy:Deployments entry needs a Provider of: {string.Join(", ", Providers.All)}.")
            .Validate(o => o.Deployments.Select(d => d.Name).Distinct().Count() == o.Deployments.Count,
                "InferenceProxy:Deployments names must be unique.")
            .Validate(o => o.Routes.All(r => RoutingStrategies.All.Contains(r.Strategy)),
                $"Every InferenceProxy:Routes entry needs a Strategy of: {string.Join(", ", RoutingStrategies.All)}.")
            .Validate(o => o.Routes.All(r => r.Deployments.Count > 0
                    && r.Deployments.Concat(r.Fallbacks).All(name => o.Deployments.Any(d => d.Name == name))),
                "Every InferenceProxy:Routes entry needs Deployments (and Fallbacks) that name configured deployments.")
            .Validate(o => o.Routes.All(r => r.Strategy != RoutingStrategies.Complexity || r.Deployments.Count >= 2),
                "A complexity route needs two deployments: the small one first, the large one last.")
            .Validate(o => o.SpoolAfter < o.PublishTimeout,
                "InferenceProxy:SpoolAfter must be shorter than InferenceProxy:PublishTimeout (it spools ahead of the publish deadline).")
            .ValidateNested(InferenceProxyOptions.Section, ("Retry", o => o.Retry), ("CircuitBreaker", o => o.CircuitBreaker), ("Budgets", o => o.Budgets))
            .ValidateOnStart();

        builder.AddServiceDbContext<InferenceProxyDbContext>(ServiceName);
        builder.Services.AddScoped<KeyRegistry>();
        builder.Services.AddSingleton<KeyPolicy>();
        builder.Services.AddSingleton<ProjectSettings>();
        builder.AddInstanceConsumer<ProjectCreatedConsumer>(ServiceName + "-projects");
        builder.AddInstanceConsumer<ProjectUpdatedConsumer>(ServiceName + "-projects");
        builder.Services.AddHostedService<KeyBootstrap>();
        builder.AddServiceConsumer<GetApiKeySnapshotConsumer>(ServiceName);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Features.RateLimits.LeaseStore>();
        builder.Services.AddSingleton<Features.RateLimits.RateLimiter>();
        builder.Services.AddSingleton<Features.RateLimits.RateLimitGate>();
        builder.Services.AddHostedService<Features.RateLimits.LeasePurger>();
        builder.Services.AddSingleton<BrokerHealth>();
        builder.Services.AddSingleton<Features.Budgets.BudgetBook>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Features.Budgets.BudgetBook>());
        builder.Services.AddSingleton<Features.Budgets.BudgetGate>();
        builder.Services.AddSingleton<ExactCache>();
        builder.Services.AddSingleton<SemanticCache>();
        builder.Services.AddSingleton<SemanticEmbedder>();
        builder.Services.AddSingleton<CachePolicy>();
        builder.Services.AddSingleton<Features.Guardrails.GuardrailGate>();
        builder.Services.AddSingleton<PromptCache>();
        builder.Services.AddSingleton<PromptResolver>();
        builder.Services.AddSingleton<PromptApplication>();
        builder.Services.AddScoped<PromptRegistry>();
        builder.Services.AddHostedService<PromptCacheLoader>();
        builder.AddInstanceConsumer<PromptChangedConsumer>(ServiceName + "-prompts");
        builder.AddServiceConsumer<PromptRollbackRequestedConsumer>(ServiceName);

        builder.Services.AddSingleton<Router>();
        builder.Services.AddSingleton<DeploymentStats>();
        builder.Services.AddSingleton<DeploymentCircuits>();
        builder.Services.AddSingleton<DeploymentConcurrency>();
        builder.Services.AddSingleton<UpstreamClient>();
        builder.Services.AddSingleton<InferenceEventQueue>();
        builder.Services.AddSingleton(services =>
        {
            var proxy = services.GetRequiredService<IOptions<InferenceProxyOptions>>().Value;
            var storage = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            return new EventSpool(proxy.SpoolDirectory ?? Path.Combine(storage.DataDirectoryFullPath, "spool", ServiceName), proxy.SpoolMaxBytes);
        });
        builder.Services.AddSingleton<GatewayPipeline>();
        builder.Services.AddSingleton<InferenceEventPublisher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<InferenceEventPublisher>());
        builder.Services.AddSingleton<ChatCompletionsEndpoint>();
        builder.Services.AddSingleton<EmbeddingsEndpoint>();
        return builder;
    }

    /// <summary>The OpenAI-compatible gateway routes, each behind the platform's key authentication.</summary>
    public static WebApplication MapInferenceProxyEndpoints(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1").WithTags(ServiceName);
        v1.MapPost("/chat/completions", (HttpContext context, ChatCompletionsEndpoint endpoint) => endpoint.HandleAsync(context));
        v1.MapPost("/embeddings", (HttpContext context, EmbeddingsEndpoint endpoint) => endpoint.HandleAsync(context));
        v1.MapGet("/models", ModelsEndpoint.Handle);

        var projects = app.MapGroup("/api/projects").WithTags(ServiceName).RequireAuthorization(AuthExtensions.AdminPolicy);
        projects.MapPost("/", ProjectEndpoints.CreateAsync);
        projects.MapGet("/", ProjectEndpoints.ListAsync);
        projects.MapPatch("/{id}", ProjectEndpoints.UpdateAsync);
        var prompts = app.MapGroup("/api/prompts").WithTags(ServiceName);
        prompts.MapGet("/", PromptEndpoints.List);
        prompts.MapGet("/{name}", PromptEndpoints.Get);
        prompts.MapPost("/{name}/versions", PromptEndpoints.CreateVersionAsync);
        prompts.MapGet("/{name}/versions/{version:int}", PromptEndpoints.GetVersion);
        prompts.MapPut("/{name}/labels/{label}", PromptEndpoints.MoveLabelAsync);
        prompts.MapPost("/{name}/labels/{label}/undo", PromptEndpoints.UndoAsync);
        prompts.MapGet("/{name}/history", PromptEndpoints.HistoryAsync);
        prompts.MapPut("/{name}/policy", PromptEndpoints.SetPolicyAsync);
        prompts.MapGet("/{name}/pending-actions", PromptEndpoints.ActionsAsync);
        prompts.MapPost("/{name}/pending-actions/{actionId:guid}/{decision}", PromptEndpoints.DecideAsync);

        var keys = app.MapGroup("/api/keys").WithTags(ServiceName).RequireAuthorization(AuthExtensions.AdminPolicy);
        keys.MapPost("/", KeyEndpoints.IssueAsync);
        keys.MapGet("/", KeyEndpoints.ListAsync);
        keys.MapDelete("/{id}", KeyEndpoints.RevokeAsync);
        return app;
    }
}
