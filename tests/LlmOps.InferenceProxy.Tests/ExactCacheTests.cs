using LlmOps.Testing;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Caching;
using Microsoft.Extensions.Options;

namespace LlmOps.InferenceProxy.Tests;

public class ExactCacheTests
{
    private static CachedCompletion Answer(int chars) => new("id", "m", new string('x', chars), null, "stop", new TokenUsage { InputTokens = 1, OutputTokens = 1 });

    private static ExactCache Cache(long maxBytes, ManualClock clock) =>
        new(Options.Create(new InferenceProxyOptions { Cache = new CacheOptions { MaxBytes = maxBytes } }), clock);

    [Fact]
    public void The_least_recently_used_answers_go_first_when_the_byte_bound_is_reached()
    {
        var clock = new ManualClock();
        var size = Answer(1000).SizeBytes;
        var cache = Cache(size * 3, clock);
        cache.Set("a", Answer(1000), TimeSpan.FromMinutes(5));
        cache.Set("b", Answer(1000), TimeSpan.FromMinutes(5));
        cache.Set("c", Answer(1000), TimeSpan.FromMinutes(5));
        Assert.NotNull(cache.Get("a"));

        cache.Set("d", Answer(1000), TimeSpan.FromMinutes(5));

        Assert.Null(cache.Get("b"));
        Assert.NotNull(cache.Get("a"));
        Assert.NotNull(cache.Get("d"));
        Assert.True(cache.Bytes <= size * 3);
    }

    [Fact]
    public void An_answer_expires_with_its_time_to_live()
    {
        var clock = new ManualClock();
        var cache = Cache(1_000_000, clock);
        cache.Set("a", Answer(10), TimeSpan.FromSeconds(30));

        clock.Now += TimeSpan.FromSeconds(29);
        Assert.NotNull(cache.Get("a"));
        clock.Now += TimeSpan.FromSeconds(1);
        Assert.Null(cache.Get("a"));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void The_key_ignores_key_order_streaming_and_user_but_not_parameters_project_or_prompt_version()
    {
        JsonObject Body(string json) => (JsonObject)JsonNode.Parse(json)!;
        var key = CacheKey.Compute("p", null, Body("""{"model":"m","temperature":0.2,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(key, CacheKey.Compute("p", null, Body("""{"messages":[{"content":"hi","role":"user"}],"temperature":0.2,"model":"m","stream":true,"stream_options":{"include_usage":true},"user":"u"}""")));
        Assert.NotEqual(key, CacheKey.Compute("p", null, Body("""{"model":"m","temperature":0.3,"messages":[{"role":"user","content":"hi"}]}""")));
        Assert.NotEqual(key, CacheKey.Compute("p", null, Body("""{"model":"m","temperature":0.2,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""")));
        Assert.NotEqual(key, CacheKey.Compute("q", null, Body("""{"model":"m","temperature":0.2,"messages":[{"role":"user","content":"hi"}]}""")));
        Assert.NotEqual(key, CacheKey.Compute("p", "support#2", Body("""{"model":"m","temperature":0.2,"messages":[{"role":"user","content":"hi"}]}""")));
    }
}
