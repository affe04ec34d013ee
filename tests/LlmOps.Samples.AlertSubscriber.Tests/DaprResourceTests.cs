using System.Text.RegularExpressions;
using LlmOps.ServiceDefaults.Messaging;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LlmOps.Samples.AlertSubscriber.Tests;

/// <summary>
/// The Dapr resources in deploy/dapr, read as Dapr would: the kinds it knows, a <c>pubsub.rabbitmq</c> component whose
/// declarations match the platform's exchanges and lose nothing, no secret written in, and subscriptions to topics the
/// platform publishes and routes the sample serves. Metadata names are checked against Dapr's list: Dapr ignores a
/// misspelt one silently (<c>deleteWhenUnused</c> would leave the default, an auto-deleted queue).
/// </summary>
public partial class DaprResourceTests
{
    private const string ComponentName = "llmops-pubsub";

    /// <summary>The metadata fields of Dapr's pubsub.rabbitmq component (components-contrib pubsub/rabbitmq/metadata.yaml).</summary>
    private static readonly HashSet<string> RabbitMqFields =
    [
        "connectionString", "protocol", "hostname", "username", "password", "consumerID", "durable", "deletedWhenUnused",
        "autoAck", "deliveryMode", "requeueInFailure", "prefetchCount", "reconnectWaitSeconds", "concurrencyMode",
        "publisherConfirm", "enableDeadLetter", "maxLen", "maxLenBytes", "exchangeKind", "saslExternal", "ttlInSeconds",
        "clientName", "heartBeat", "caCert", "clientCert", "clientKey",
    ];

    private static readonly HashSet<string> SecretFields = ["connectionString", "password", "clientCert", "clientKey"];

    private static readonly Dictionary<string, string> SafeSettings = new()
    {
        ["exchangeKind"] = "fanout",
        ["durable"] = "true",
        ["deletedWhenUnused"] = "false",
        ["deliveryMode"] = "2",
        ["publisherConfirm"] = "true",
        ["autoAck"] = "false",
        ["requeueInFailure"] = "false",
        ["enableDeadLetter"] = "true",
    };

    private static readonly (string ApiVersion, string Kind)[] KnownKinds =
    [
        ("dapr.io/v1alpha1", "Component"),
        ("dapr.io/v2alpha1", "Subscription"),
        ("dapr.io/v1alpha1", "Resiliency"),
    ];

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "LlmOpsPlatform.sln")))
            directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("No LlmOpsPlatform.sln above " + AppContext.BaseDirectory);
    }

    private static List<(string File, YamlMappingNode Root)> Resources()
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot(), "deploy", "dapr"), "*.y*ml");
        Assert.NotEmpty(files);
        var resources = new List<(string, YamlMappingNode)>();
        foreach (var file in files.Order())
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(file))
                stream.Load(reader);
            foreach (var document in stream.Documents)
                resources.Add((Path.GetFileName(file), Assert.IsType<YamlMappingNode>(document.RootNode)));
        }
        return resources;
    }

    private static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
                return null;
            node = next;
        }
        return node;
    }

    private static string? Text(YamlNode node, params string[] path) => (Get(node, path) as YamlScalarNode)?.Value;

    private static List<YamlMappingNode> OfKind(string kind) =>
        Resources().Where(r => Text(r.Root, "kind") == kind).Select(r => r.Root).ToList();

    private static List<string> Scopes(YamlNode resource) =>
        (Get(resource, "scopes") as YamlSequenceNode)?.Children.Select(s => ((YamlScalarNode)s).Value!).ToList() ?? [];

    [Fact]
    public void Every_resource_is_a_kind_dapr_knows_and_has_a_name()
    {
        foreach (var (file, root) in Resources())
        {
            Assert.Contains((Text(root, "apiVersion")!, Text(root, "kind")!), KnownKinds);
            Assert.False(string.IsNullOrWhiteSpace(Text(root, "metadata", "name")), file);
            // Applied into the subscriber's namespace, like the chart's templates.
            Assert.Null(Get(root, "metadata", "namespace"));
        }
    }

    [Fact]
    public void The_component_is_pubsub_rabbitmq_v1_with_the_safe_settings()
    {
        var component = Assert.Single(OfKind("Component"));
        Assert.Equal(ComponentName, Text(component, "metadata", "name"));
        Assert.Equal("pubsub.rabbitmq", Text(component, "spec", "type"));
        Assert.Equal("v1", Text(component, "spec", "version"));

        var fields = Fields(component);
        Assert.All(fields.Keys, name => Assert.Contains(name, RabbitMqFields));
        foreach (var (name, expected) in SafeSettings)
        {
            Assert.True(fields.TryGetValue(name, out var item), $"'{name}' is not set");
            var value = Assert.IsType<YamlScalarNode>(Get(item, "value"));
            Assert.Equal(expected, value.Value);
        }
        // Metadata values are strings: quote booleans and numbers, as Dapr's own examples do (a bare `true` or `10` is a
        // YAML boolean or number, which Kubernetes' schema for the resource may refuse).
        foreach (var (name, item) in fields)
        {
            if (Get(item, "value") is YamlScalarNode { Value: { } text } value && Regex.IsMatch(text, "^(true|false|[0-9]+)$"))
                Assert.True(value.Style is ScalarStyle.DoubleQuoted or ScalarStyle.SingleQuoted, $"'{name}' should be quoted");
        }
        // Dapr holds the prefetch count in a byte: 1 to 255 (0 would mean unlimited).
        var prefetch = int.Parse(Text(fields["prefetchCount"], "value")!);
        Assert.InRange(prefetch, 1, 255);
    }

    [Fact]
    public void No_secret_is_written_in_only_referenced_from_the_secret_store()
    {
        var component = Assert.Single(OfKind("Component"));
        var fields = Fields(component);
        Assert.True(fields.ContainsKey("connectionString"), "the broker comes from connectionString");
        foreach (var (name, item) in fields.Where(f => SecretFields.Contains(f.Key)))
        {
            Assert.Null(Get(item, "value"));
            Assert.False(string.IsNullOrWhiteSpace(Text(item, "secretKeyRef", "name")), name);
            Assert.False(string.IsNullOrWhiteSpace(Text(item, "secretKeyRef", "key")), name);
        }
        Assert.False(string.IsNullOrWhiteSpace(Text(component, "auth", "secretStore")));

        // Nor anywhere else: no credentials in a URI, no password-like value in any file.
        foreach (var file in Directory.GetFiles(Path.Combine(RepositoryRoot(), "deploy", "dapr"), "*.y*ml"))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotMatch(CredentialsInUri(), text);
            Assert.DoesNotMatch("(?im)^\\s*-?\\s*(password|secret|token)\\s*:", text);
        }
    }

    [Fact]
    public void Each_subscription_is_for_a_platform_topic_on_the_component_and_routes_to_a_path_the_sample_serves()
    {
        var served = SampleRoutes();
        var subscriptions = OfKind("Subscription");
        Assert.Equal([Topics.Actions, Topics.Alerts], subscriptions.Select(s => Text(s, "spec", "topic")!).Order());

        foreach (var subscription in subscriptions)
        {
            var topic = Text(subscription, "spec", "topic")!;
            Assert.Equal(ComponentName, Text(subscription, "spec", "pubsubname"));
            Topics.Validate(topic);
            var route = Subscriptions.All.Single(s => s.Topic == topic).Route;
            Assert.Equal(route, Text(subscription, "spec", "routes", "default"));
            var rules = (Get(subscription, "spec", "routes", "rules") as YamlSequenceNode)?.Children ?? [];
            Assert.All(rules.Select(r => Text(r, "path")), path => Assert.Contains(path!, served));
            Assert.Contains(route, served);
            Assert.Contains(new SubscriberOptions().AppId, Scopes(subscription));
        }
    }

    [Fact]
    public void The_component_and_the_retries_apply_to_the_sample_app()
    {
        var appId = new SubscriberOptions().AppId;
        Assert.Contains(appId, Scopes(Assert.Single(OfKind("Component"))));
        foreach (var resiliency in OfKind("Resiliency"))
        {
            var targets = Assert.IsType<YamlMappingNode>(Get(resiliency, "spec", "targets", "components"));
            Assert.All(targets.Children.Keys, k => Assert.Equal(ComponentName, ((YamlScalarNode)k).Value));
            var retry = Text(resiliency, "spec", "targets", "components", ComponentName, "inbound", "retry")!;
            // Bounded: a failing dependency delays events, never retries them forever.
            var maxRetries = int.Parse(Text(resiliency, "spec", "policies", "retries", retry, "maxRetries")!);
            Assert.InRange(maxRetries, 1, 100);
        }
    }

    private static Dictionary<string, YamlMappingNode> Fields(YamlNode component)
    {
        var items = Assert.IsType<YamlSequenceNode>(Get(component, "spec", "metadata")).Children.Cast<YamlMappingNode>().ToList();
        var names = items.Select(i => Text(i, "name")!).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        return items.ToDictionary(i => Text(i, "name")!);
    }

    /// <summary>The POST routes the sample maps, read from its endpoints, not from its source.</summary>
    private static HashSet<string> SampleRoutes()
    {
        using var app = new SubscriberFactory();
        _ = app.Server;
        return app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .ToHashSet();
    }

    [GeneratedRegex("amqps?://[^\\s/@:]+:[^\\s/@]+@")]
    private static partial Regex CredentialsInUri();
}
