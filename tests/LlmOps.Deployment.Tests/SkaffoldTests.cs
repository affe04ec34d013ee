using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

public sealed class SkaffoldTests
{
    private static Dictionary<string, object?> Skaffold => YamlValues.LoadMap(File.ReadAllText(Path.Combine(Repo.Root, "skaffold.yaml")));

    [Fact]
    public void Every_yaml_file_of_the_deployment_parses()
    {
        var files = new[] { "skaffold.yaml" }
            .Concat(Directory.GetFiles(Path.Combine(Repo.Root, "deploy", "dapr"), "*.yaml").Select(f => Path.GetRelativePath(Repo.Root, f)))
            .Concat(Directory.GetFiles(ChartRenderer.ChartDirectory, "*.yaml").Select(f => Path.GetRelativePath(Repo.Root, f)))
            .Append("charts/llmops/files/default-rules.yaml");
        foreach (var file in files)
            Assert.NotEmpty(YamlValues.LoadAll(File.ReadAllText(Path.Combine(Repo.Root, file))));
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "values.schema.json"))).Dispose();
    }

    [Fact]
    public void Skaffold_artifacts_Dockerfiles_and_chart_services_are_the_same_set()
    {
        var skaffold = Skaffold;
        Assert.Equal("skaffold/v4beta14", skaffold["apiVersion"]);
        var artifacts = Yaml.List(skaffold, "build.artifacts").Cast<Dictionary<string, object?>>().ToList();
        var chartServices = Yaml.Map(YamlValues.LoadMap(File.ReadAllText(Path.Combine(ChartRenderer.ChartDirectory, "values.yaml"))), "services").Keys;

        Assert.Equal(DockerfileTests.Images.Keys.Order(), chartServices.Order());
        Assert.Equal(DockerfileTests.Images.Keys.Order().Select(s => "llmops/" + s), artifacts.Select(a => Yaml.Str(a, "image")!).Order());
        foreach (var artifact in artifacts)
        {
            var service = Yaml.Str(artifact, "image")!["llmops/".Length..];
            Assert.Equal(".", Yaml.Str(artifact, "context"));
            Assert.Equal($"services/{service}/Dockerfile", Yaml.Str(artifact, "docker.dockerfile"));
            Assert.True(File.Exists(Path.Combine(Repo.Root, Yaml.Str(artifact, "docker.dockerfile")!)));
        }
    }

    [Fact]
    public void Skaffold_deploys_the_chart_with_each_built_image_and_a_dev_profile_adding_values_dev()
    {
        var skaffold = Skaffold;
        var release = Yaml.List(skaffold, "deploy.helm.releases").Cast<Dictionary<string, object?>>().Single();
        Assert.Equal("charts/llmops", Yaml.Str(release, "chartPath"));
        Assert.Equal(["charts/llmops/values.yaml"], Yaml.List(release, "valuesFiles"));
        var templates = Yaml.Map(release, "setValueTemplates");
        foreach (var service in DockerfileTests.Images.Keys)
        {
            // Skaffold exposes each artifact as IMAGE_REPO_<image name, / and - as _>.
            var key = ("llmops/" + service).Replace('/', '_').Replace('-', '_');
            Assert.Equal($"{{{{.IMAGE_REPO_{key}}}}}", templates[$"services.{service}.image.repository"]);
            Assert.Equal($"{{{{.IMAGE_TAG_{key}}}}}", templates[$"services.{service}.image.tag"]);
        }
        Assert.Equal(DockerfileTests.Images.Count * 2, templates.Count);

        var dev = Yaml.List(skaffold, "profiles").Cast<Dictionary<string, object?>>().Single(p => Yaml.Str(p, "name") == "dev");
        var patch = Yaml.List(dev, "patches").Cast<Dictionary<string, object?>>().Single();
        Assert.Equal("add", patch["op"]);
        Assert.Equal("/deploy/helm/releases/0/valuesFiles/-", patch["path"]);
        Assert.Equal("charts/llmops/values-dev.yaml", patch["value"]);
        Assert.True(File.Exists(Path.Combine(Repo.Root, (string)patch["value"]!)));

        // And the chart reads exactly those values: an override lands in the rendered image.
        var chart = ChartRenderer.Render("llmops", ChartTests.Values("services:\n  evaluator:\n    image: {repository: registry.local/llmops/evaluator, tag: abc123}\n"));
        Assert.Equal("registry.local/llmops/evaluator:abc123",
            Yaml.Str(ChartEnvironment.Containers(chart.Single("Deployment", "llmops-evaluator")).Single(), "image"));
    }
}
