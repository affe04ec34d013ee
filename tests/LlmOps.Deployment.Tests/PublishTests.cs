using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

/// <summary>
/// SLOW (a restore and a Release publish per image, about a minute each on two cores): each Dockerfile's build stage
/// replayed without Docker. Only the paths its COPY lines name are copied into an empty directory, then its RUN lines
/// run there with /app mapped to a temporary output — so a source the Dockerfile forgets to copy fails here as it
/// would in `docker build`. Skip locally with --filter "Category!=Slow".
/// </summary>
[Trait("Category", "Slow")]
public sealed class PublishTests
{
    [Theory]
    [MemberData(nameof(DockerfileTests.Services), MemberType = typeof(DockerfileTests))]
    public void Dockerfile_build_stage_publishes_the_service_from_only_what_it_copies(string service)
    {
        var dockerfile = File.ReadAllText(DockerfileTests.DockerfileOf(service));
        var work = Directory.CreateTempSubdirectory($"llmops-publish-{service}-");
        try
        {
            var src = Path.Combine(work.FullName, "src");
            var app = Path.Combine(work.FullName, "app");
            Directory.CreateDirectory(src);
            foreach (var (sources, target) in DockerfileTests.Copies(dockerfile))
                foreach (var source in sources)
                    CopyInto(Path.Combine(Repo.Root, source), Path.Combine(src, target));

            var runs = DockerfileTests.Runs(dockerfile);
            Assert.Equal(2, runs.Count);
            Assert.StartsWith("dotnet restore ", runs[0]);
            Assert.Contains("-c Release -o /app --no-restore", runs[1]);
            foreach (var run in runs)
            {
                var parts = run.Replace("/app", app).Split(' ', 2);
                var (exitCode, output) = NodeTool.Run(parts[0], parts[1], src, TimeSpan.FromMinutes(10));
                Assert.True(exitCode == 0, $"{service}: RUN {run} failed:\n{output}");
            }
            Assert.True(File.Exists(Path.Combine(app, DockerfileTests.Images[service] + ".dll")));
            if (service == "alerting")
                Assert.True(File.Exists(Path.Combine(app, "Rules", "default-rules.yaml")));
            if (service == "cost-accountant")
                Assert.True(File.Exists(Path.Combine(app, "Catalog", "prices.json")));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>COPY semantics: a file into a directory target (ending in /), a directory's contents into the target.</summary>
    private static void CopyInto(string source, string target)
    {
        if (File.Exists(source))
        {
            var destination = target.EndsWith('/') ? Path.Combine(target, Path.GetFileName(source)) : target;
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
            return;
        }
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var inner = Path.GetRelativePath(source, file);
            // .dockerignore: build outputs never reach the context.
            if (inner.Split(Path.DirectorySeparatorChar).Any(p => p is "bin" or "obj" or "data" or "TestResults"))
                continue;
            var destination = Path.Combine(target, inner);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }
}
