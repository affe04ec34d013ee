using System.Text.Json.Nodes;
using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

/// <summary>
/// values.schema.json checked with ajv (charts/llmops/ci/validate.mjs; scripts/test.sh runs `npm ci` there first),
/// merging values files the way helm does.
/// </summary>
public sealed class SchemaTests
{
    private static (int ExitCode, string Output) Validate(params string[] files)
    {
        var modules = Path.Combine(ChartRenderer.ChartDirectory, "ci", "node_modules", "ajv");
        Assert.True(Directory.Exists(modules), "ajv is not installed: run `npm ci` in charts/llmops/ci (scripts/test.sh does)");
        return NodeTool.Run("node", string.Join(" ", new[] { "ci/validate.mjs" }.Concat(files.Select(f => $"\"{f}\""))),
            ChartRenderer.ChartDirectory, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public void Default_and_dev_values_validate_against_the_schema()
    {
        Assert.Equal((0, "valid\n"), Validate());
        Assert.Equal((0, "valid\n"), Validate("values-dev.yaml"));
    }

    [Fact]
    public void The_schema_rejects_unknown_keys_at_any_depth_and_replicas_on_alerting()
    {
        var file = Path.Combine(Path.GetTempPath(), $"llmops-values-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, """
            imageTag: "1.0"
            rabbitmq:
              hots: rabbitmq.internal
            services:
              alerting:
                replicas: 3
              inference-proxi:
                enabled: true
            image:
              tag: latest
            """);
        try
        {
            var (exitCode, output) = Validate(file);
            Assert.Equal(1, exitCode);
            Assert.Contains("/ must NOT have additional properties 'imageTag'", output);
            Assert.Contains("/rabbitmq must NOT have additional properties 'hots'", output);
            Assert.Contains("/services/alerting must NOT have additional properties 'replicas'", output);
            Assert.Contains("/services must NOT have additional properties 'inference-proxi'", output);
            Assert.Contains("/image/tag must NOT be valid", output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_object_in_the_schema_closes_its_properties()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "values.schema.json")))!;
        var open = new List<string>();
        Walk(schema, "#", open);
        // global: Helm's own key, passed to every chart. Everything else is closed (maps of free names, such as env or
        // annotations, say what their values must be).
        Assert.Equal(["#/properties/global"], open);
    }

    private static void Walk(JsonNode? node, string path, List<string> open)
    {
        if (node is JsonObject o)
        {
            var isObject = o["type"] is JsonValue type && type.GetValueKind() == System.Text.Json.JsonValueKind.String && type.GetValue<string>() == "object";
            if (isObject && o["additionalProperties"] is null)
                open.Add(path);
            if (o["additionalProperties"] is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.True)
                open.Add(path);
            foreach (var (key, child) in o)
                Walk(child, $"{path}/{key}", open);
        }
        else if (node is JsonArray a)
            for (var i = 0; i < a.Count; i++)
                Walk(a[i], $"{path}/{i}", open);
    }

    [Fact]
    public void Every_value_is_documented_in_values_yaml_and_the_chart_readme()
    {
        var lines = File.ReadAllLines(Path.Combine(ChartRenderer.ChartDirectory, "values.yaml"));
        var readme = File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "README.md"));
        var undocumented = new List<string>();
        var path = new List<(int Indent, string Key)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var match = System.Text.RegularExpressions.Regex.Match(lines[i], @"^(\s*)([A-Za-z][A-Za-z0-9-]*):");
            if (!match.Success) continue;
            var indent = match.Groups[1].Length;
            path.RemoveAll(p => p.Indent >= indent);
            path.Add((indent, match.Groups[2].Value));
            var key = string.Join(".", path.Select(p => p.Key));
            // Below services.<name> the keys are the shared per-service set, documented once.
            if (path.Count > 2 && path[0].Key == "services") continue;
            // resources: Kubernetes' own shape, documented as one value.
            if (path.Take(path.Count - 1).Any(p => p.Key == "resources")) continue;
            var commented = i > 0 && lines[i - 1].TrimStart().StartsWith('#');
            var next = lines.Skip(i + 1).FirstOrDefault(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')) ?? "";
            var isParent = next.Length - next.TrimStart().Length > indent;
            if (!commented && !isParent && path.Count > 0 && path[0].Key != "services")
                undocumented.Add($"{key} (no comment in values.yaml)");
            if (!isParent && !readme.Contains($"`{key}`", StringComparison.Ordinal) && path[0].Key != "services")
                undocumented.Add($"{key} (not in README.md)");
        }
        Assert.Empty(undocumented);
    }
}
