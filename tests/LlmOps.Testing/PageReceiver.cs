using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LlmOps.Testing;

/// <summary>One request a <see cref="PageReceiver"/> got, and what it answered.</summary>
public sealed record ReceivedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body, int AnsweredStatus)
{
    public string? Header(string name) => Headers.GetValueOrDefault(name);
    public bool Accepted => AnsweredStatus is >= 200 and < 300;
}

/// <summary>A scripted answer: a status, optional body and headers (e.g. <c>Retry-After</c>).</summary>
public sealed record ScriptedAnswer(int Status, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static implicit operator ScriptedAnswer(int status) => new(status);

    public static ScriptedAnswer RetryAfter(int status, string retryAfter) => new(status, null, new Dictionary<string, string> { ["Retry-After"] = retryAfter });
}

/// <summary>
/// A stand-in for PagerDuty, Slack and webhook endpoints on a loopback port: records every request (path, headers, body)
/// and answers each path from a script (<c>Script("/v2/enqueue", 500, 202)</c>), then with the default: 202 on
/// <c>/v2/enqueue</c> (PagerDuty's accepted), 200 elsewhere. <see cref="Reset"/> clears both for the next scenario.
/// </summary>
public sealed class PageReceiver : IAsyncDisposable
{
    public const string PagerDutyPath = "/v2/enqueue";

    private readonly Lock _gate = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly ConcurrentDictionary<string, Queue<ScriptedAnswer>> _scripts = new(StringComparer.OrdinalIgnoreCase);
    private TestHost _host = null!;

    private PageReceiver()
    {
    }

    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The absolute URL of a path on this receiver, e.g. <c>Url("/hooks/slack")</c>.</summary>
    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_gate)
                return _requests.ToList();
        }
    }

    public IReadOnlyList<ReceivedRequest> RequestsTo(string path) => Requests.Where(r => r.Path.Equals(path, StringComparison.OrdinalIgnoreCase)).ToList();

    public static async Task<PageReceiver> StartAsync()
    {
        var receiver = new PageReceiver();
        receiver._host = await TestHost.StartAsync(_ => { }, app => app.Map("/{**path}", receiver.AnswerAsync));
        return receiver;
    }

    /// <summary>The next answers for <paramref name="path"/>, in order, after which the default applies again.</summary>
    public PageReceiver Script(string path, params ScriptedAnswer[] answers)
    {
        var queue = _scripts.GetOrAdd(path, _ => new Queue<ScriptedAnswer>());
        lock (_gate)
            foreach (var answer in answers)
                queue.Enqueue(answer);
        return this;
    }

    /// <summary>Forgets the requests and the scripts.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _requests.Clear();
            _scripts.Clear();
        }
    }

    /// <summary>Waits until <paramref name="count"/> requests reached <paramref name="path"/> (for tests that send in the background).</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(string path, int count, TimeSpan timeout)
    {
        await Eventually.TrueAsync(() => Task.FromResult(RequestsTo(path).Count >= count), timeout, $"{count} request(s) to {path}");
        return RequestsTo(path);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var path = context.Request.Path.Value ?? "/";
        ScriptedAnswer answer;
        lock (_gate)
        {
            answer = _scripts.TryGetValue(path, out var queue) && queue.TryDequeue(out var next)
                ? next
                : new ScriptedAnswer(path.Equals(PagerDutyPath, StringComparison.OrdinalIgnoreCase) ? 202 : 200);
            _requests.Add(new ReceivedRequest(context.Request.Method, path,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body, answer.Status));
        }
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            context.Response.Headers[name] = value;
        await context.Response.WriteAsync(answer.Body ?? (answer.Status is >= 200 and < 300 ? """{"status":"success"}""" : """{"status":"error"}"""),
            context.RequestAborted);
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
