using LlmOps.Deployment.Tests.Rendering;

namespace LlmOps.Deployment.Tests;

/// <summary>
/// SLOW (a restore and a Release publish per image, about a minute each on two cores): each Dockerfile's stages
/// replayed without Docker, in order, each in its own directory standing for its filesystem. Only the paths its COPY
/// lines name are copied in (from the context, as .dockerignore leaves it, or from an earlier stage's directory), then
/// its RUN lines run in its WORKDIR with /app mapped into the stage — so a source the Dockerfile forgets to copy fails
/// here as it would in `docker build`. The dashboard's web stage really runs npm ci on the lock file alone, and its
/// build stage publishes with npm off from what that produced. Skip locally with --filter "Category!=Slow".
/// </summary>
[Trait("Category", "Slow")]
public sealed class PublishTests
{
    [Theory]
    [MemberData(nameof(DockerfileTests.Services), MemberType = typeof(DockerfileTests))]
    public void Dockerfile_build_stage_publishes_the_service_from_only_what_it_copies(string service)
    {
        var stages = DockerStage.Parse(File.ReadAllText(DockerfileTests.DockerfileOf(service)));
        var work = Directory.CreateTempSubdirectory($"llmops-publish-{service}-");
        try
        {
            string Root(string stage) => Path.Combine(work.FullName, stage);
            string Inside(string stage, string path) => Path.Combine(Root(stage), path.TrimStart('/'));

            // The runtime stage only copies the build stage's /app: everything before it is replayed.
            Assert.Equal(service == "dashboard" ? ["web", "build", "runtime"] : ["build", "runtime"], stages.Select(s => s.Name));
            Assert.Empty(stages[^1].Runs);
            var runtimeCopy = Assert.Single(stages[^1].Copies);
            Assert.Equal(("build", "/app", "./"), (runtimeCopy.From, Assert.Single(runtimeCopy.Sources), runtimeCopy.Target));
            foreach (var stage in stages.SkipLast(1))
            {
                Directory.CreateDirectory(Inside(stage.Name, stage.WorkDir));
                foreach (var copy in stage.Copies)
                    foreach (var source in copy.Sources)
                        CopyInto(copy.From is null ? Path.Combine(Repo.Root, source) : Inside(copy.From, source),
                            Inside(stage.Name, stage.Resolve(copy.Target)), copy.From is null ? source : null);
                foreach (var run in stage.Runs)
                {
                    var parts = run.Replace("/app", Inside(stage.Name, "/app")).Split(' ', 2);
                    var (exitCode, output) = NodeTool.Run(parts[0], parts[1], Inside(stage.Name, stage.WorkDir), TimeSpan.FromMinutes(10));
                    Assert.True(exitCode == 0, $"{service} ({stage.Name}): RUN {run} failed:\n{output}");
                }
            }

            var build = stages.Single(s => s.Name == "build");
            Assert.Equal(2, build.Runs.Count);
            Assert.StartsWith("dotnet restore ", build.Runs[0]);
            Assert.Contains("-c Release -o /app --no-restore", build.Runs[1]);
            var app = Inside("build", "/app");
            Assert.True(File.Exists(Path.Combine(app, DockerfileTests.Images[service] + ".dll")));
            if (service == "alerting")
                Assert.True(File.Exists(Path.Combine(app, "Rules", "default-rules.yaml")));
            if (service == "cost-accountant")
                Assert.True(File.Exists(Path.Combine(app, "Catalog", "prices.json")));
            if (service == "dashboard")
            {
                // The console's files, uPlot from the web stage included, are embedded in the assembly it serves from.
                var resources = EmbeddedResources(Path.Combine(app, "LlmOps.Dashboard.dll"));
                Assert.Contains("console/index.html", resources);
                Assert.Contains("console/vendor/uplot/uPlot.esm.js", resources);
                Assert.Contains("console/vendor/uplot/uPlot.min.css", resources);
                Assert.False(Directory.Exists(Path.Combine(app, "node_modules")), "node_modules must not reach the image");
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static List<string> EmbeddedResources(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new System.Reflection.PortableExecutable.PEReader(stream);
        var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        return metadata.ManifestResources.Select(h => metadata.GetString(metadata.GetManifestResource(h).Name)).ToList();
    }

    /// <summary>
    /// COPY semantics: a file into a directory target (ending in /), a directory's contents into the target. A source
    /// from the build context (<paramref name="contextPath"/> set) is filtered as .dockerignore filters the context.
    /// </summary>
    private static void CopyInto(string source, string target, string? contextPath)
    {
        if (File.Exists(source))
        {
            var destination = target.EndsWith('/') ? Path.Combine(target, Path.GetFileName(source)) : target;
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
            return;
        }
        Assert.True(Directory.Exists(source), $"COPY source {source} does not exist");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var inner = Path.GetRelativePath(source, file);
            if (contextPath is not null && DockerIgnore.Excludes(Path.Combine(contextPath, inner).Replace(Path.DirectorySeparatorChar, '/')))
                continue;
            var destination = Path.Combine(target, inner);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }
}
