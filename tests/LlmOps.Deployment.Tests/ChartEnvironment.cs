using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

/// <summary>One environment variable a rendered container gets: inline, from a Secret, or from a ConfigMap (envFrom).</summary>
public sealed record EnvVar(string Workload, string Name, string? Value, Dictionary<string, object?>? ValueFrom, string Source);

public static class ChartEnvironment
{
    /// <summary>The service a Deployment or migration Job runs, from its name (&lt;fullname&gt;-[migrate-]&lt;service&gt;).</summary>
    public static string ServiceOf(Dictionary<string, object?> workload, string fullname)
    {
        var name = Yaml.Str(workload, "metadata.name")!;
        var service = name[(fullname.Length + 1)..];
        return service.StartsWith("migrate-", StringComparison.Ordinal) ? service["migrate-".Length..] : service;
    }

    public static IEnumerable<Dictionary<string, object?>> Containers(Dictionary<string, object?> workload) =>
        Yaml.List(workload, "spec.template.spec.containers").Cast<Dictionary<string, object?>>();

    public static List<EnvVar> Of(RenderedChart chart, Dictionary<string, object?> workload)
    {
        var name = Yaml.Str(workload, "metadata.name")!;
        var result = new List<EnvVar>();
        foreach (var container in Containers(workload))
        {
            foreach (var env in Yaml.List(container, "env").Cast<Dictionary<string, object?>>())
                result.Add(new EnvVar(name, Yaml.Str(env, "name")!, Yaml.Str(env, "value"),
                    Yaml.Get(env, "valueFrom") as Dictionary<string, object?>, "env"));
            foreach (var from in Yaml.List(container, "envFrom").Cast<Dictionary<string, object?>>())
            {
                var configMap = Yaml.Str(from, "configMapRef.name")
                    ?? throw new InvalidOperationException($"{name}: envFrom other than a ConfigMap");
                foreach (var (key, value) in Yaml.Map(chart.Single("ConfigMap", configMap), "data"))
                    result.Add(new EnvVar(name, key, TemplateEvaluator.Print(value), null, $"ConfigMap {configMap}"));
            }
        }
        return result;
    }

    /// <summary>
    /// Every variable the services would not read: not a key of their options or direct reads, and not a variable
    /// that one of their own settings names (ApiKeyVariable, RoutingKeyEnv, SecretEnv...).
    /// </summary>
    public static List<string> UnknownKeys(RenderedChart chart, string fullname)
    {
        var problems = new List<string>();
        foreach (var workload in chart.OfKind("Deployment").Concat(chart.OfKind("Job")))
        {
            var service = ServiceOf(workload, fullname);
            if (!ConfigurationKeys.Services.Contains(service))
                continue;
            var keys = ConfigurationKeys.For(service);
            var env = Of(chart, workload);
            var named = env.Where(e => e.Name.EndsWith("Variable", StringComparison.Ordinal) || e.Name.EndsWith("Env", StringComparison.Ordinal))
                .Select(e => e.Value).ToHashSet();
            foreach (var variable in env)
                if (!keys.Reads(variable.Name) && !named.Contains(variable.Name))
                    problems.Add($"{variable.Workload}: {variable.Name} ({variable.Source}) is not a setting {service} reads");
        }
        return problems;
    }
}
