// What the guardrails and the caches add to a request, in process (they are CPU work on the request path, so this
// is the latency they add): a typical RAG chat request (system prompt, two earlier turns, a question; two context
// documents; a 600-character answer) with every rail on, against the same request with no rails; then semantic-cache
// lookups against partitions of growing size and exact-cache hits.
//   dotnet run -c Release --project scripts/bench/Guardrails -- [iterations=20000]
using System.Diagnostics;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Access;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy;
using LlmOps.InferenceProxy.Features.Caching;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Guardrails;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

var iterations = args.Length > 0 ? int.Parse(args[0]) : 20_000;
var projects = new ProjectSettings();
projects.Apply("railed", new ProjectSettingValues(true, 300, null, null)
{
    Rails = GuardrailSet.Compile(
    [
        new GuardrailRule { Rail = GuardrailRails.PromptInjection, Stage = GuardrailStages.Input, Action = GuardrailActions.Block },
        new GuardrailRule { Rail = GuardrailRails.Pii, Stage = GuardrailStages.Input, Action = GuardrailActions.Redact },
        new GuardrailRule { Rail = GuardrailRails.BannedTerms, Stage = GuardrailStages.Input, Action = GuardrailActions.Block, Terms = ["project falcon", "internal only", "confidential roadmap"] },
        new GuardrailRule { Rail = GuardrailRails.Pii, Stage = GuardrailStages.Retrieval, Action = GuardrailActions.Redact },
        new GuardrailRule { Rail = GuardrailRails.PromptInjection, Stage = GuardrailStages.Retrieval, Action = GuardrailActions.Flag },
        new GuardrailRule { Rail = GuardrailRails.Pii, Stage = GuardrailStages.Output, Action = GuardrailActions.Redact },
        new GuardrailRule { Rail = GuardrailRails.BannedTerms, Stage = GuardrailStages.Output, Action = GuardrailActions.Redact, Terms = ["competitor", "guarantee"] },
        new GuardrailRule { Rail = GuardrailRails.JsonSchema, Stage = GuardrailStages.Output, Action = GuardrailActions.Flag },
    ]),
});
projects.Apply("bare", new ProjectSettingValues(true, 300, null, null));
var gate = new GuardrailGate(projects);
var auth = new AuthOptions();

const string System = "You are the support assistant of Northwind Outfitters. Answer from the context documents only, in a friendly, concise tone. If the answer is not in the context, say you do not know and offer to open a ticket. Never promise delivery dates.";
const string Question = "Hi! I ordered the 40 l trail backpack last Tuesday (order 55812-B) and it still says 'processing'. Can you tell me when it ships, and whether I can still change the colour from green to grey? Thanks a lot, I'm leaving for a hike on the 14th.";
var context = """["Shipping policy: orders placed before 2 pm ship the same day; backpacks ship from the Leeds warehouse within 2 working days. Colour changes are possible until the order is packed.", "Order 55812-B: status processing, placed 2026-11-17, item TRAIL-40-GRN, customer contact via the account page only."]""";
var answer = "Thanks for your patience! Your order 55812-B is still being processed at our Leeds warehouse. Backpacks usually ship within 2 working days, so it should leave very soon. Good news: the colour can still be changed from green to grey as long as the order has not been packed yet. I can open a ticket with the warehouse to switch it to grey for you right away. I can't promise an exact delivery date, but you'll get a tracking e-mail as soon as it ships. Anything else I can help with before your hike?";

JsonObject Body() => new()
{
    ["model"] = "gpt-4o-mini",
    ["messages"] = new JsonArray(
        new JsonObject { ["role"] = "system", ["content"] = System },
        new JsonObject { ["role"] = "user", ["content"] = "Hello, do you sell trail backpacks?" },
        new JsonObject { ["role"] = "assistant", ["content"] = "Yes! We have 30 l and 40 l trail backpacks in green, grey and orange." },
        new JsonObject { ["role"] = "user", ["content"] = Question }),
};

// Both projects run the same path (the project comes from the caller); "bare" has no rails, so the difference is theirs.
(double P50, double P99) Measure(string project)
{
    auth.DefaultProjectId = project;
    var samples = new double[iterations];
    for (var i = -2_000; i < iterations; i++)
    {
        var body = Body(); // built outside the timed part
        var http = new DefaultHttpContext();
        http.Request.Headers["x-llmops-context"] = context;
        var call = GatewayCall.Start(http, auth, InferenceOperations.Chat).Call;
        var text = (string?)answer;
        var started = Stopwatch.GetTimestamp();
        if (!gate.InspectRequestAsync(http, call, body).GetAwaiter().GetResult())
            throw new InvalidOperationException("blocked");
        gate.InspectOutput(call, ref text);
        if (i >= 0)
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
    Array.Sort(samples);
    return (samples[iterations / 2], samples[(int)(iterations * 0.99)]);
}

var bare = Measure("bare");
var railed = Measure("railed");
Console.WriteLine($"guardrails, {iterations} requests each (request ~{System.Length + Question.Length + 120} chars, 2 context documents, {answer.Length}-char answer):");
Console.WriteLine($"  no rails (context placement only): p50 {bare.Item1:0.000} ms  p99 {bare.Item2:0.000} ms");
Console.WriteLine($"  all 8 rails:                       p50 {railed.Item1:0.000} ms  p99 {railed.Item2:0.000} ms");
Console.WriteLine($"  added by the rails:                p50 {railed.Item1 - bare.Item1:0.000} ms");

var options = Options.Create(new InferenceProxyOptions { Cache = new CacheOptions { SemanticMaxEntries = 200_000 } });
var semantic = new SemanticCache(options, TimeProvider.System);
var exact = new ExactCache(options, TimeProvider.System);
var cached = new CachedCompletion("id", "gpt-4o-mini", answer, null, "stop", new TokenUsage { InputTokens = 300, OutputTokens = 120 });
var random = new Random(7);
string Sentence() => string.Join(' ', Enumerable.Range(0, 12).Select(_ => "w" + random.Next(5_000)));
Console.WriteLine("semantic cache lookup (embed the question + scan one partition):");
foreach (var size in new[] { 100, 1_000, 10_000 })
{
    var partition = "p" + size;
    for (var i = 0; i < size; i++)
        semantic.Add(partition, LocalEmbedder.Embed(Sentence()), cached, TimeSpan.FromHours(1));
    var samples = new double[5_000];
    for (var i = -500; i < samples.Length; i++)
    {
        var question = Sentence();
        var started = Stopwatch.GetTimestamp();
        semantic.Find(partition, LocalEmbedder.Embed(question), 0.95);
        if (i >= 0)
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
    Array.Sort(samples);
    Console.WriteLine($"  {size,6} entries: p50 {samples[2_500]:0.000} ms  p99 {samples[4_950]:0.000} ms");
}

var key = CacheKey.Compute("railed", null, Body());
exact.Set(key, cached, TimeSpan.FromHours(1));
var hits = new double[20_000];
for (var i = -2_000; i < hits.Length; i++)
{
    var body = Body();
    var started = Stopwatch.GetTimestamp();
    exact.Get(CacheKey.Compute("railed", null, body));
    if (i >= 0)
        hits[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
Array.Sort(hits);
Console.WriteLine($"exact cache hit (canonical key + lookup): p50 {hits[10_000]:0.000} ms  p99 {hits[19_800]:0.000} ms");
