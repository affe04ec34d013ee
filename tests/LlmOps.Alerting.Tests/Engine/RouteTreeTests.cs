using LlmOps.Alerting.Features.Routing;

namespace LlmOps.Alerting.Tests.Engine;

public class RouteTreeTests
{
    private static readonly string[] Receivers = ["pager", "slack", "hook"];

    private static Dictionary<string, string> Labels(params (string, string)[] labels) => labels.ToDictionary(l => l.Item1, l => l.Item2);

    private static RouteTree Tree() => RouteTree.Build(new RouteOptions
    {
        Receiver = "slack",
        GroupBy = ["alertname"],
        GroupWait = "10s",
        Routes =
        [
            new RouteOptions { Matchers = ["severity=\"critical\""], Receiver = "pager", Continue = true, RepeatInterval = "1h" },
            new RouteOptions { Matchers = ["team=\"ml\""], Receiver = "hook", GroupBy = ["alertname", "project"] },
            new RouteOptions { Matchers = ["team=\"platform\""], Routes = [new RouteOptions { Matchers = ["project=~\"acme|beta\""], Receiver = "pager" }] },
        ],
    }, Receivers);

    [Fact]
    public void An_alert_no_child_matches_goes_to_the_root_receiver()
    {
        var route = Assert.Single(Tree().Match(Labels(("severity", "warning"), ("team", "other"))));
        Assert.Equal("slack", route.Receiver);
        Assert.Equal("0", route.Id);
    }

    [Fact]
    public void Continue_lets_a_critical_alert_page_and_also_reach_its_team_route()
    {
        var routes = Tree().Match(Labels(("severity", "critical"), ("team", "ml")));
        Assert.Equal(["pager", "hook"], routes.Select(r => r.Receiver));
        Assert.Equal(TimeSpan.FromHours(1), routes[0].Policy!.RepeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), routes[0].Policy!.GroupWait); // inherited
        Assert.Equal(["alertname", "project"], routes[1].Policy!.GroupBy);
    }

    [Fact]
    public void Without_continue_the_first_matching_child_wins()
    {
        var routes = Tree().Match(Labels(("team", "ml"), ("project", "acme")));
        Assert.Equal("hook", Assert.Single(routes).Receiver);
    }

    [Fact]
    public void A_child_that_matches_but_whose_own_children_do_not_notifies_itself_with_the_inherited_receiver()
    {
        var nested = Tree().Match(Labels(("team", "platform"), ("project", "acme")));
        Assert.Equal(("0.2.0", "pager"), (Assert.Single(nested).Id, nested[0].Receiver));
        var parent = Tree().Match(Labels(("team", "platform"), ("project", "zeta")));
        Assert.Equal(("0.2", "slack"), (Assert.Single(parent).Id, parent[0].Receiver));
    }

    [Fact]
    public void Every_mistake_in_the_tree_is_reported_at_once()
    {
        var errors = RouteTree.Validate(new RoutingOptions
        {
            Route = new RouteOptions
            {
                Receiver = "nobody",
                GroupWait = "soon",
                GroupInterval = "0s",
                GroupBy = ["...", "project"],
                Routes = [new RouteOptions { Matchers = ["severity=~\"(\""] }],
            },
            InhibitRules = [new InhibitRuleOptions { SourceMatchers = ["severity=\"critical\""] }],
        }, Receivers);
        Assert.Contains(errors, e => e.Contains("'nobody' is not configured"));
        Assert.Contains(errors, e => e.Contains("'soon' is not a duration"));
        Assert.Contains(errors, e => e.Contains("GroupInterval") && e.Contains("above zero"));
        Assert.Contains(errors, e => e.Contains("'...' groups by every label and stands alone"));
        Assert.Contains(errors, e => e.Contains("Routes:0:Matchers") && e.Contains("not a regular expression"));
        Assert.Contains(errors, e => e.Contains("InhibitRules:0") && e.Contains("needs SourceMatchers and TargetMatchers"));
    }

    [Fact]
    public void With_no_receiver_anywhere_nothing_notifies()
    {
        var tree = RouteTree.Build(new RouteOptions(), Receivers);
        Assert.Empty(tree.Match(Labels(("severity", "critical"))));
        Assert.Empty(tree.Routes);
    }
}
