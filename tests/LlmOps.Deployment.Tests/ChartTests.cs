using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

public sealed class ChartTests
{
    private static readonly string[] PlatformServices = ["inference-proxy", "trace-collector", "evaluator", "feedback-ingest", "cost-accountant", "alerting"];

    [Fact]
    public void Default_values_render_one_Deployment_and_Service_per_platform_service_and_the_dashboard_on_port_8080_with_probes()
    {
        var chart = ChartRenderer.Render();

        string[] deployed = [.. PlatformServices, "dashboard"];
        Assert.Equal(deployed.Order().Select(s => "llmops-" + s), chart.OfKind("Deployment").Select(d => Yaml.Str(d, "metadata.name")!).Order());
        Assert.Equal(deployed.Order().Select(s => "llmops-" + s), chart.OfKind("Service").Select(d => Yaml.Str(d, "metadata.name")!).Order());
        Assert.Empty(chart.OfKind("StatefulSet"));
        Assert.Empty(chart.OfKind("Secret"));
        Assert.Empty(chart.OfKind("Job"));
        foreach (var deployment in chart.OfKind("Deployment"))
        {
            var container = ChartEnvironment.Containers(deployment).Single();
            var port = Yaml.List(container, "ports").Cast<Dictionary<string, object?>>().Single();
            Assert.Equal(8080L, port["containerPort"]);
            Assert.Equal("http", port["name"]);
            Assert.Equal("/health/live", Yaml.Str(container, "livenessProbe.httpGet.path"));
            Assert.Equal("/health/ready", Yaml.Str(container, "readinessProbe.httpGet.path"));
            Assert.Equal("/health/live", Yaml.Str(container, "startupProbe.httpGet.path"));
            Assert.Equal("http", Yaml.Str(container, "readinessProbe.httpGet.port"));
            Assert.Contains(":0.1.0", Yaml.Str(container, "image"));
            // The selector must match the pod labels, or the Deployment is refused.
            foreach (var (key, value) in Yaml.Map(deployment, "spec.selector.matchLabels"))
                Assert.Equal(value, Yaml.Map(deployment, "spec.template.metadata.labels")[key]);
        }
        foreach (var service in chart.OfKind("Service"))
        {
            var port = Yaml.List(service, "spec.ports").Cast<Dictionary<string, object?>>().Single();
            Assert.Equal("http", port["targetPort"]);
            Assert.Equal(80L, port["port"]);
        }
    }

    [Fact]
    public void No_template_sets_a_namespace_and_every_manifest_has_kind_apiVersion_and_name()
    {
        foreach (var chart in new[] { ChartRenderer.Render(), ChartRenderer.Render("llmops", "values-dev.yaml"), ChartRenderer.Render("rel", FullValues()) })
            foreach (var manifest in chart.Manifests)
            {
                Assert.Null(Yaml.Get(manifest, "metadata.namespace"));
                Assert.NotNull(Yaml.Str(manifest, "apiVersion"));
                Assert.NotNull(Yaml.Str(manifest, "kind"));
                var name = Yaml.Str(manifest, "metadata.name");
                Assert.False(string.IsNullOrEmpty(name));
                Assert.True(name!.Length <= 63, name);
                Assert.Matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", name);
            }
    }

    [Fact]
    public void Alerting_runs_one_replica_with_Recreate_and_has_no_autoscaler_or_disruption_budget()
    {
        foreach (var chart in new[] { ChartRenderer.Render(), ChartRenderer.Render("llmops", "values-dev.yaml") })
        {
            var alerting = chart.Single("Deployment", "llmops-alerting");
            Assert.Equal(1L, Yaml.Get(alerting, "spec.replicas"));
            Assert.Equal("Recreate", Yaml.Str(alerting, "spec.strategy.type"));
            Assert.DoesNotContain(chart.OfKind("HorizontalPodAutoscaler"), h => Yaml.Str(h, "spec.scaleTargetRef.name") == "llmops-alerting");
            Assert.DoesNotContain(chart.OfKind("PodDisruptionBudget"), p => Yaml.Str(p, "metadata.name") == "llmops-alerting");
        }
        // The scaled services do get them by default.
        var defaults = ChartRenderer.Render();
        Assert.Contains(defaults.OfKind("HorizontalPodAutoscaler"), h => Yaml.Str(h, "spec.scaleTargetRef.name") == "llmops-inference-proxy");
        Assert.Contains(defaults.OfKind("PodDisruptionBudget"), p => Yaml.Str(p, "metadata.name") == "llmops-trace-collector");
        // An autoscaled Deployment leaves replicas to the HPA (a fixed count would fight it on every upgrade).
        Assert.Null(Yaml.Get(defaults.Single("Deployment", "llmops-inference-proxy"), "spec.replicas"));
        Assert.Equal(2L, Yaml.Get(defaults.Single("Deployment", "llmops-feedback-ingest"), "spec.replicas"));
    }

    [Fact]
    public void Every_workload_runs_non_root_with_a_read_only_root_filesystem_no_capabilities_and_RuntimeDefault_seccomp()
    {
        var chart = ChartRenderer.Render("llmops", FullValues());
        foreach (var workload in chart.OfKind("Deployment").Concat(chart.OfKind("Job")))
        {
            var name = Yaml.Str(workload, "metadata.name");
            var pod = Yaml.Map(workload, "spec.template.spec");
            Assert.True(Yaml.Get(pod, "securityContext.runAsNonRoot") is true, name);
            Assert.Equal("RuntimeDefault", Yaml.Str(pod, "securityContext.seccompProfile.type"));
            Assert.Equal(false, Yaml.Get(pod, "automountServiceAccountToken"));
            foreach (var container in ChartEnvironment.Containers(workload))
            {
                Assert.True(Yaml.Get(container, "securityContext.readOnlyRootFilesystem") is true, name);
                Assert.True(Yaml.Get(container, "securityContext.allowPrivilegeEscalation") is false, name);
                Assert.Equal(["ALL"], Yaml.List(container, "securityContext.capabilities.drop"));
                Assert.Equal("RuntimeDefault", Yaml.Str(container, "securityContext.seccompProfile.type"));
                Assert.NotNull(Yaml.Get(container, "resources.requests.memory"));
                // The only writable paths: /tmp and the data directory, both emptyDirs.
                var mounts = Yaml.List(container, "volumeMounts").Cast<Dictionary<string, object?>>().ToList();
                Assert.Contains(mounts, m => Yaml.Str(m, "mountPath") == "/tmp");
                Assert.Contains(mounts, m => Yaml.Str(m, "mountPath") == "/data");
            }
        }
    }

    [Fact]
    public void Secrets_reach_the_services_only_as_secretKeyRefs_and_no_Secret_is_rendered_with_external_dependencies()
    {
        var chart = ChartRenderer.Render("llmops", FullValues());
        Assert.Empty(chart.OfKind("Secret"));
        var secretNames = new[] { "Auth__AdminKey", "Storage__ConnectionString", "Messaging__RabbitMq__Password", "Evaluator__Gateway__ApiKey", "Alerting__Metrics__ManagementPassword" };
        var all = chart.OfKind("Deployment").Concat(chart.OfKind("Job")).SelectMany(w => ChartEnvironment.Of(chart, w)).ToList();
        foreach (var env in all.Where(e => secretNames.Contains(e.Name) || e.Name.StartsWith("LLMOPS_PROVIDER_KEY_", StringComparison.Ordinal)
                                             || e.Name.Contains("Password", StringComparison.OrdinalIgnoreCase) || e.Name.EndsWith("Key", StringComparison.Ordinal)))
        {
            Assert.True(env.Value is null && env.ValueFrom?.ContainsKey("secretKeyRef") == true, $"{env.Workload}: {env.Name} must come from a secretKeyRef");
            Assert.Equal("env", env.Source);
        }
        Assert.Contains(all, e => e.Name == "LLMOPS_PROVIDER_KEY_OPENAI");
        // Nothing else uses valueFrom but Secret references.
        Assert.All(all.Where(e => e.ValueFrom is not null), e => Assert.Equal(["secretKeyRef"], e.ValueFrom!.Keys));
        // And no ConfigMap carries a key that looks secret.
        foreach (var configMap in chart.OfKind("ConfigMap"))
            Assert.DoesNotContain(Yaml.Map(configMap, "data").Keys, k => k.Contains("Password", StringComparison.OrdinalIgnoreCase) || k.EndsWith("ApiKey", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_environment_variable_the_chart_sets_is_a_setting_the_service_reads()
    {
        Assert.Empty(ChartEnvironment.UnknownKeys(ChartRenderer.Render(), "llmops"));
        Assert.Empty(ChartEnvironment.UnknownKeys(ChartRenderer.Render("llmops", "values-dev.yaml"), "llmops"));
        Assert.Empty(ChartEnvironment.UnknownKeys(ChartRenderer.Render("llmops", FullValues()), "llmops"));
    }

    [Fact]
    public void A_misspelt_setting_fails_the_key_check()
    {
        var misspelt = Values("""
            services:
              alerting:
                env:
                  Alerting__Engine__RulesFiel: /etc/rules.yaml
              cost-accountant:
                env:
                  CostAccountant__BatchSize: "100"
            gateway:
              settings:
                InferenceProxy__Budgets__Enabeld: "false"
            """);

        var problems = ChartEnvironment.UnknownKeys(ChartRenderer.Render("llmops", misspelt), "llmops");

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("Alerting__Engine__RulesFiel"));
        Assert.Contains(problems, p => p.Contains("InferenceProxy__Budgets__Enabeld"));
        // A key of another service is not one this service reads either.
        var elsewhere = Values("services:\n  evaluator:\n    env:\n      Alerting__Engine__TickMs: \"500\"\n");
        Assert.Single(ChartEnvironment.UnknownKeys(ChartRenderer.Render("llmops", elsewhere), "llmops"));
    }

    [Fact]
    public void Alert_rules_and_price_catalog_are_mounted_where_the_settings_point_and_equal_the_shipped_files()
    {
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "services/alerting/Rules/default-rules.yaml")),
            File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "files/default-rules.yaml")));
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, "services/cost-accountant/Catalog/prices.json")),
            File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "files/prices.json")));

        var chart = ChartRenderer.Render();
        AssertMounted(chart, "llmops-alerting", "Alerting__Engine__RulesFile", "llmops-alert-rules", "rules.yaml",
            File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "files/default-rules.yaml")));
        AssertMounted(chart, "llmops-cost-accountant", "CostAccountant__CatalogPath", "llmops-price-catalog", "prices.json",
            File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "files/prices.json")));
        System.Text.Json.JsonDocument.Parse(Yaml.Key(chart.Single("ConfigMap", "llmops-price-catalog"), "data", "prices.json")!).Dispose();
    }

    private static void AssertMounted(RenderedChart chart, string deployment, string setting, string configMap, string file, string content)
    {
        var workload = chart.Single("Deployment", deployment);
        var path = ChartEnvironment.Of(chart, workload).Single(e => e.Name == setting).Value!;
        var container = ChartEnvironment.Containers(workload).Single();
        var mount = Yaml.List(container, "volumeMounts").Cast<Dictionary<string, object?>>()
            .Single(m => path.StartsWith(Yaml.Str(m, "mountPath") + "/", StringComparison.Ordinal));
        Assert.Equal(path, Yaml.Str(mount, "mountPath") + "/" + file);
        var volume = Yaml.List(workload, "spec.template.spec.volumes").Cast<Dictionary<string, object?>>()
            .Single(v => Yaml.Str(v, "name") == Yaml.Str(mount, "name"));
        Assert.Equal(configMap, Yaml.Str(volume, "configMap.name"));
        Assert.Equal(content.TrimEnd('\n'), Yaml.Key(chart.Single("ConfigMap", configMap), "data", file)!.TrimEnd('\n'));
    }

    [Fact]
    public void Dev_profile_adds_the_simulator_RabbitMQ_PostgreSQL_and_generated_credentials_and_routes_to_the_simulator()
    {
        var chart = ChartRenderer.Render("llmops", "values-dev.yaml");

        Assert.Contains(chart.OfKind("Deployment"), d => Yaml.Str(d, "metadata.name") == "llmops-llm-simulator");
        Assert.Equal(["llmops-postgresql", "llmops-rabbitmq"], chart.OfKind("StatefulSet").Select(s => Yaml.Str(s, "metadata.name")!).Order());
        var secret = chart.OfKind("Secret").Single();
        Assert.Equal("llmops-dev-credentials", Yaml.Str(secret, "metadata.name"));
        Assert.Equal(["admin-key", "connection-string", "password", "postgres-password"], Yaml.Map(secret, "data").Keys.Order());
        var connection = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Yaml.Str(secret, "data.connection-string")!));
        Assert.StartsWith("Host=llmops-postgresql;Port=5432;Database=llmops;Username=llmops;Password=", connection);
        Assert.True(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(Yaml.Str(secret, "data.admin-key")!)).Length >= 16);

        var routing = Yaml.Map(chart.Single("ConfigMap", "llmops-gateway-routing"), "data");
        Assert.Equal("http://llmops-llm-simulator:80/v1", routing["InferenceProxy__Deployments__0__BaseUrl"]);
        Assert.Equal("*", routing["InferenceProxy__Deployments__0__Models__0"]);
        var proxyEnv = ChartEnvironment.Of(chart, chart.Single("Deployment", "llmops-inference-proxy"));
        Assert.Equal("llmops-rabbitmq", proxyEnv.Single(e => e.Name == "Messaging__RabbitMq__Host").Value);
        Assert.Equal("llmops-dev-credentials", Yaml.Str(proxyEnv.Single(e => e.Name == "Auth__AdminKey").ValueFrom, "secretKeyRef.name"));
        Assert.Contains("default_queue_type = quorum", Yaml.Key(chart.Single("ConfigMap", "llmops-rabbitmq"), "data", "10-llmops.conf"));
        // One replica of everything: the dev profile turns autoscaling off.
        Assert.Empty(chart.OfKind("HorizontalPodAutoscaler"));
        Assert.Contains("sim-small", chart.Notes);
    }

    [Fact]
    public void Migration_job_runs_as_a_pre_install_and_pre_upgrade_hook_and_turns_migration_at_start_off()
    {
        var chart = ChartRenderer.Render("llmops", Values("migrations:\n  job:\n    enabled: true\n"));

        var jobs = chart.OfKind("Job").ToList();
        // Not the dashboard: it owns no database.
        Assert.Equal(PlatformServices.Order().Select(s => "llmops-migrate-" + s), jobs.Select(j => Yaml.Str(j, "metadata.name")!).Order());
        foreach (var job in jobs)
        {
            Assert.Equal("pre-install,pre-upgrade", Yaml.Key(job, "metadata.annotations", "helm.sh/hook"));
            Assert.Equal("Never", Yaml.Str(job, "spec.template.spec.restartPolicy"));
            // Hooks run before the chart's ConfigMaps and ServiceAccount exist: the Job must not need them.
            Assert.Null(Yaml.Get(job, "spec.template.spec.serviceAccountName"));
            Assert.All(ChartEnvironment.Containers(job), c => Assert.Empty(Yaml.List(c, "envFrom")));
        }
        Assert.All(chart.OfKind("Deployment"), d =>
            Assert.Equal("false", ChartEnvironment.Of(chart, d).Single(e => e.Name == "Storage__MigrateOnStart").Value));
        Assert.All(ChartRenderer.Render().OfKind("Deployment"), d =>
            Assert.Equal("true", ChartEnvironment.Of(ChartRenderer.Render(), d).Single(e => e.Name == "Storage__MigrateOnStart").Value));
    }

    [Fact]
    public void Dapr_component_matches_deploy_dapr_and_sidecar_annotations_are_optional()
    {
        var chart = ChartRenderer.Render("llmops", FullValues());
        var rendered = chart.OfKind("Component").Single();
        var reference = YamlValues.LoadMap(File.ReadAllText(Path.Combine(Repo.Root, "deploy/dapr/pubsub-rabbitmq.yaml")));

        Assert.Equal(Yaml.Str(reference, "apiVersion"), Yaml.Str(rendered, "apiVersion"));
        Assert.Equal(Yaml.Str(reference, "metadata.name"), Yaml.Str(rendered, "metadata.name"));
        Assert.Equal(Yaml.Str(reference, "spec.type"), Yaml.Str(rendered, "spec.type"));
        Assert.Equal(Yaml.Str(reference, "auth.secretStore"), Yaml.Str(rendered, "auth.secretStore"));
        Dictionary<string, string> Settings(object? doc) => Yaml.List(doc, "spec.metadata").Cast<Dictionary<string, object?>>()
            .ToDictionary(m => Yaml.Str(m, "name")!, m => Yaml.Str(m, "value") ?? "secretKeyRef:" + Yaml.Str(m, "secretKeyRef.key"));
        Assert.Equal(Settings(reference).OrderBy(p => p.Key), Settings(rendered).OrderBy(p => p.Key));

        var annotations = Yaml.Map(chart.Single("Deployment", "llmops-evaluator"), "spec.template.metadata.annotations");
        Assert.Equal("true", annotations["dapr.io/enabled"]);
        Assert.Equal("evaluator", annotations["dapr.io/app-id"]);
        Assert.Equal("8080", annotations["dapr.io/app-port"]);
        Assert.Empty(ChartRenderer.Render().OfKind("Component"));
        Assert.DoesNotContain("dapr.io/enabled", Yaml.Map(ChartRenderer.Render().Single("Deployment", "llmops-evaluator"), "spec.template.metadata.annotations").Keys);
    }

    [Fact]
    public void Dashboard_forwards_every_api_prefix_owner_to_its_in_cluster_Service_and_skips_a_disabled_one()
    {
        var chart = ChartRenderer.Render("rel", Values("services:\n  trace-collector:\n    service: {type: ClusterIP, port: 8088}\n"));
        var env = ChartEnvironment.Of(chart, chart.Single("Deployment", "rel-llmops-dashboard"));
        var forwarded = env.Where(e => e.Name.StartsWith("Dashboard__Services__", StringComparison.Ordinal))
            .ToDictionary(e => e.Name["Dashboard__Services__".Length..], e => new Uri(e.Value!));

        // Every service the dashboard knows a prefix of (its own ApiRoutes), each at a Service the chart renders.
        Assert.Equal(Dashboard.Features.Proxy.ApiRoutes.PrefixesByService.Keys.Order(), forwarded.Keys.Order());
        foreach (var (key, uri) in forwarded)
        {
            var service = chart.Single("Service", uri.Host);
            Assert.Equal(Yaml.Get(Yaml.List(service, "spec.ports").Cast<Dictionary<string, object?>>().Single(), "port"), (long)uri.Port);
            Assert.Equal("http", uri.Scheme);
            Assert.Equal("/", uri.AbsolutePath);
            Assert.Equal(key.ToLowerInvariant(), Yaml.Key(service, "metadata.labels", "app.kubernetes.io/name")!.Replace("-", ""));
        }
        Assert.Equal("http://rel-llmops-trace-collector:8088/", forwarded["TraceCollector"].ToString());
        // The shared settings too: it reads the admin key and key events like every service.
        Assert.Contains(env, e => e.Name == "Auth__AdminKey" && e.ValueFrom is not null);
        Assert.Contains(env, e => e.Name == "Messaging__RabbitMq__Host");

        var withoutEvaluator = ChartRenderer.Render("llmops", Values("services:\n  evaluator:\n    enabled: false\n"));
        var names = ChartEnvironment.Of(withoutEvaluator, withoutEvaluator.Single("Deployment", "llmops-dashboard")).Select(e => e.Name).ToList();
        Assert.DoesNotContain("Dashboard__Services__Evaluator", names);
        Assert.Contains("Dashboard__Services__Alerting", names);
        Assert.DoesNotContain(ChartRenderer.Render("llmops", Values("services:\n  dashboard:\n    enabled: false\n")).OfKind("Deployment"),
            d => Yaml.Str(d, "metadata.name") == "llmops-dashboard");
    }

    [Fact]
    public void Notes_tell_how_to_reach_the_gateway_and_get_the_admin_key_and_a_project_key()
    {
        var notes = ChartRenderer.Render().Notes;
        Assert.Contains("port-forward svc/llmops-inference-proxy 8080:80", notes);
        Assert.Contains("port-forward svc/llmops-dashboard 8081:80", notes);
        Assert.Contains("get secret llmops-auth -o jsonpath='{.data.admin-key}'", notes);
        Assert.Contains("/api/projects", notes);
        Assert.Contains("/api/keys", notes);
        Assert.Contains("/v1/chat/completions", notes);
    }

    [Fact]
    public void Release_names_shape_every_resource_name()
    {
        var chart = ChartRenderer.Render("prod");
        Assert.Contains(chart.OfKind("Deployment"), d => Yaml.Str(d, "metadata.name") == "prod-llmops-inference-proxy");
        var evaluatorEnv = ChartEnvironment.Of(chart, chart.Single("Deployment", "prod-llmops-evaluator"));
        Assert.Equal("http://prod-llmops-inference-proxy:80/", evaluatorEnv.Single(e => e.Name == "Evaluator__Gateway__BaseUrl").Value);
    }

    /// <summary>Values that switch on every optional branch of the templates.</summary>
    public static Dictionary<string, object?> FullValues() => Values("""
        telemetry:
          otlpEndpoint: http://otel-collector:4318
        rabbitmq:
          managementUrl: http://rabbitmq:15672
        evaluator:
          gatewayKeySecret: {name: llmops-evaluator, key: gateway-key}
        alerting:
          externalUrl: https://llmops.example.com
        migrations:
          job:
            enabled: true
        dapr:
          sidecars: true
          component:
            enabled: true
        gateway:
          deployments:
            - name: openai
              provider: openai
              baseUrl: https://api.openai.com/v1
              models: ["gpt-4o", "gpt-4o-mini"]
              apiKeySecret: {name: llmops-providers, key: openai}
              settings: {TimeoutSeconds: 60, Weight: 2}
            - name: claude
              provider: anthropic
              baseUrl: https://api.anthropic.com/v1
              upstreamModel: claude-sonnet-4
              models: ["claude"]
          routes:
            - model: smart
              strategy: complexity
              deployments: [openai, claude]
              fallbacks: [openai]
              complexityThreshold: 0.6
          settings:
            InferenceProxy__Budgets__Enabled: "false"
        services:
          alerting:
            env:
              Alerting__Receivers__ops__PagerDuty__RoutingKeyEnv: PAGERDUTY_ROUTING_KEY
              Alerting__Route__Receiver: ops
            secretEnv:
              PAGERDUTY_ROUTING_KEY: {name: llmops-pager, key: routing-key}
          llm-simulator:
            enabled: true
            env:
              Simulator__EmbeddingDimensions: "256"
        """);

    public static Dictionary<string, object?> Values(string yaml) => YamlValues.LoadMap(yaml);
}
