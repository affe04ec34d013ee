using System.Net;
using System.Text.Json;

namespace LlmOps.LlmSimulator.Tests;

public class FailureInjectionTests(SimulatorFixture sim) : IClassFixture<SimulatorFixture>
{
    [Theory]
    [InlineData("429", HttpStatusCode.TooManyRequests, "rate_limit_exceeded")]
    [InlineData("500", HttpStatusCode.InternalServerError, null)]
    [InlineData("503", HttpStatusCode.ServiceUnavailable, null)]
    public async Task Error_statuses_carry_openai_error_bodies(string kind, HttpStatusCode expected, string? code)
    {
        var (response, body) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("hi"), ("x-sim-fail", kind));

        Assert.Equal(expected, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(body!["error"]!["message"]!.GetValue<string>()));
        Assert.Equal(code, body["error"]!["code"]?.GetValue<string>());
        if (expected == HttpStatusCode.TooManyRequests)
            Assert.Equal("1", response.Headers.RetryAfter!.ToString());
    }

    [Fact]
    public async Task A_failure_can_be_asked_for_inside_the_prompt()
    {
        var (response, _) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("please [[sim:fail=500]]"));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Malformed_answers_are_cut_json_with_a_success_status()
    {
        var (response, body) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("hi"), ("x-sim-fail", "malformed"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(body);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(response.Content.ReadAsStringAsync().Result));
    }

    [Fact]
    public async Task Error_bodies_can_come_with_a_success_status()
    {
        var (response, body) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("hi"), ("x-sim-fail", "error-body"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(body!["error"]);
        Assert.Null(body["choices"]);
    }

    [Fact]
    public async Task Empty_answers_have_no_body()
    {
        var (response, _) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("hi"), ("x-sim-fail", "empty"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_timeout_holds_the_request_until_the_caller_gives_up()
    {
        using var impatient = sim.Host.CreateClient(bearerKey: null);
        impatient.Timeout = TimeSpan.FromMilliseconds(300);
        var content = new StringContent(SimulatorFixture.Chat("hi").ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = content };
        request.Headers.Add("x-sim-fail", "timeout");

        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.SendAsync(request));
    }

    [Fact]
    public async Task An_unknown_failure_kind_is_refused_so_a_typo_cannot_pass_silently()
    {
        var (response, body) = await sim.PostAsync("/v1/chat/completions", SimulatorFixture.Chat("hi"), ("x-sim-fail", "500x"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Unknown simulator failure", body!["error"]!["message"]!.GetValue<string>());
    }
}
