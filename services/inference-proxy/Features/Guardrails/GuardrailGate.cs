using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmOps.Contracts.Inference;
using LlmOps.InferenceProxy.Features.Gateway;
using LlmOps.InferenceProxy.Features.Keys;
using LlmOps.ServiceDefaults.Telemetry;

namespace LlmOps.InferenceProxy.Features.Guardrails;

/// <summary>
/// Runs a project's rails on a chat request: input rails on the caller's messages, retrieval rails on the RAG documents
/// passed in <c>x-llmops-context</c> (which the gateway then places into the request), output rails on the answer.
/// Every rail that ran leaves a verdict on the call (triggered or not), so the event says what was checked.
/// Block answers a clear error (400 on the request, 422 on the answer); redact masks what matched before the upstream
/// (or the caller) sees it; flag only records.
/// </summary>
public sealed class GuardrailGate(ProjectSettings projects)
{
    public const string ContextHeader = "x-llmops-context";
    public const int MaxContextDocuments = 64;

    private static readonly Counter<long> Triggered = LlmOpsTelemetry.Meter.CreateCounter<long>(
        "llmops.proxy.guardrail.triggered", description: "Guardrail rails that triggered, by rail, stage and action");

    /// <summary>Input and retrieval rails. False when the request was refused (the 4xx is written and recorded).</summary>
    public async Task<bool> InspectRequestAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        var rails = projects.Guardrails(call.ProjectId);
        call.Rails = rails;
        var header = context.Request.Headers[ContextHeader].ToString();
        if (rails.IsEmpty && header.Length == 0)
            return true;
        if (rails.OutputHoldsAnswer && body["n"] is JsonValue n && n.TryGetValue<int>(out var choices) && choices > 1)
        {
            await GatewayPipeline.RejectAsync(context, call, 400,
                "This project's output guardrails check one answer per request: n must be 1.", "unsupported_parameter", "n");
            return false;
        }

        if (body["messages"] is JsonArray messages)
        {
            foreach (var rail in rails.Input)
            {
                var verdict = Inspect(call, rail, MessageTexts(messages, rail.Rule.Rail));
                if (verdict is not null)
                    return await BlockAsync(context, call, verdict, 400);
            }
        }

        if (header.Length > 0)
        {
            if (ReadDocuments(header) is not { } documents)
            {
                await GatewayPipeline.RejectAsync(context, call, 400,
                    $"{ContextHeader} must be a JSON array of at most {MaxContextDocuments} documents: strings, or objects with a 'content' string.",
                    "invalid_context", null);
                return false;
            }
            foreach (var rail in rails.Retrieval)
            {
                var slots = Enumerable.Range(0, documents.Count)
                    .Select(i => new TextSlot(documents[i], text => documents[i] = text)).ToList();
                var verdict = Inspect(call, rail, slots);
                if (verdict is not null)
                    return await BlockAsync(context, call, verdict, 400);
            }
            call.Contexts = documents;
            if (body["messages"] is JsonArray target)
                PlaceDocuments(target, documents);
        }

        if (rails.Output.Any(r => r.Rule.Rail == GuardrailRails.JsonSchema))
            call.ResponseSchema = RequestedSchema(body);
        return true;
    }

    /// <summary>
    /// The input rails that mean something for <c>/v1/embeddings</c>: PII and banned terms on the input texts (an
    /// embedding follows no instructions, so injection is not checked; token-array inputs cannot be read and pass).
    /// False when the request was refused.
    /// </summary>
    public async Task<bool> InspectEmbeddingInputAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        var rails = projects.Guardrails(call.ProjectId);
        call.Rails = rails;
        if (rails.Input.Count == 0)
            return true;
        var slots = new List<TextSlot>();
        switch (body["input"])
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                slots.Add(new TextSlot(text, masked => body["input"] = masked));
                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    var index = i;
                    if (items[i] is JsonValue item && item.TryGetValue<string>(out var itemText))
                        slots.Add(new TextSlot(itemText, masked => items[index] = masked));
                }
                break;
        }
        foreach (var rail in rails.Input.Where(r => r.Rule.Rail is GuardrailRails.Pii or GuardrailRails.BannedTerms))
        {
            if (Inspect(call, rail, slots) is { } verdict)
                return await BlockAsync(context, call, verdict, 400);
        }
        return true;
    }

    /// <summary>
    /// Output rails on the answer's text. Returns the blocking verdict when one blocks (nothing else changes), otherwise
    /// null with <paramref name="text"/> masked where a redact rail matched.
    /// </summary>
    public GuardrailVerdict? InspectOutput(GatewayCall call, ref string? text)
    {
        var answer = text ?? "";
        foreach (var rail in call.Rails.Output)
        {
            GuardrailVerdict? blocking;
            if (rail.Rule.Rail == GuardrailRails.JsonSchema)
            {
                if (call.ResponseSchema is not { } schema)
                    continue;
                var errors = JsonSchemaCheck.Validate(answer, schema);
                blocking = Record(call, rail, errors.Count > 0, null, errors.Count > 0 ? string.Join("; ", errors) : null);
            }
            else
            {
                var slot = new TextSlot(answer, masked => answer = masked);
                blocking = Inspect(call, rail, [slot]);
            }
            if (blocking is not null)
                return blocking;
        }
        if (text is not null)
            text = answer;
        return null;
    }

    public static Task<bool> BlockOutputAsync(HttpContext context, GatewayCall call, GuardrailVerdict verdict) =>
        BlockAsync(context, call, verdict, 422);

    private static async Task<bool> BlockAsync(HttpContext context, GatewayCall call, GuardrailVerdict verdict, int status)
    {
        var what = verdict.Stage == GuardrailStages.Output ? "The answer was withheld" : "The request was blocked";
        var score = verdict.Score is { } s ? $" (score {s.ToString("0.00", CultureInfo.InvariantCulture)})" : "";
        var detail = verdict.Detail is { Length: > 0 } d ? $": {d}" : "";
        var message = $"{what} by the {verdict.Stage} guardrail '{verdict.Rail}'{score}{detail}.";
        call.Fail(InferenceStatuses.Blocked, status, "guardrail_blocked", message);
        if (context.Response.HasStarted)
            context.Abort();
        else
            await LlmOps.ServiceDefaults.Http.ErrorResponses.WriteAsync(context, status, message, "guardrail_blocked", verdict.Rail);
        return false;
    }

    /// <summary>Runs one rail over texts; masks them when it redacts; returns its verdict only when it blocks.</summary>
    private static GuardrailVerdict? Inspect(GatewayCall call, GuardrailSet.Rail rail, IReadOnlyList<TextSlot> slots)
    {
        var triggered = false;
        double? score = null;
        var labels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var slot in slots)
        {
            var finding = rail.Check(slot.Text);
            if (finding.Score is { } s)
                score = Math.Max(score ?? 0, s);
            if (!finding.Triggered)
                continue;
            triggered = true;
            foreach (var label in finding.Labels)
                labels[label] = labels.GetValueOrDefault(label) + 1;
            if (rail.Rule.Action == GuardrailActions.Redact)
                slot.Replace(finding.Redact(slot.Text));
        }
        var detail = labels.Count == 0 ? null : string.Join(", ", labels.Select(l => l.Value > 1 ? $"{l.Key}×{l.Value}" : l.Key));
        return Record(call, rail, triggered, score, detail);
    }

    private static GuardrailVerdict? Record(GatewayCall call, GuardrailSet.Rail rail, bool triggered, double? score, string? detail)
    {
        var verdict = new GuardrailVerdict
        {
            Rail = rail.Rule.Rail,
            Stage = rail.Rule.Stage,
            Action = triggered ? rail.Rule.Action : GuardrailActions.None,
            Triggered = triggered,
            Score = score,
            Detail = detail is { Length: > 500 } ? detail[..500] : detail,
        };
        call.GuardrailVerdicts.Add(verdict);
        if (!triggered)
            return null;
        Triggered.Add(1, new KeyValuePair<string, object?>("rail", verdict.Rail), new KeyValuePair<string, object?>("stage", verdict.Stage),
            new KeyValuePair<string, object?>("action", verdict.Action));
        return verdict.Action == GuardrailActions.Block ? verdict : null;
    }

    private sealed class TextSlot(string text, Action<string> replace)
    {
        public string Text { get; private set; } = text;

        public void Replace(string masked)
        {
            Text = masked;
            replace(masked);
        }
    }

    /// <summary>
    /// The texts an input rail reads: PII is looked for in every message (any of them can carry it upstream); injection
    /// and banned terms only in what the caller's users and tools wrote, not in the application's own system prompt.
    /// </summary>
    private static List<TextSlot> MessageTexts(JsonArray messages, string rail)
    {
        var slots = new List<TextSlot>();
        foreach (var message in messages.OfType<JsonObject>())
        {
            var role = message["role"] is JsonValue r && r.TryGetValue<string>(out var name) ? name : "";
            if (rail != GuardrailRails.Pii && role is not ("user" or "tool" or "function"))
                continue;
            switch (message["content"])
            {
                case JsonValue value when value.TryGetValue<string>(out var text):
                    slots.Add(new TextSlot(text, masked => message["content"] = masked));
                    break;
                case JsonArray parts:
                    foreach (var part in parts.OfType<JsonObject>())
                    {
                        if (part["text"] is JsonValue t && t.TryGetValue<string>(out var partText))
                            slots.Add(new TextSlot(partText, masked => part["text"] = masked));
                    }
                    break;
            }
        }
        return slots;
    }

    private static List<string>? ReadDocuments(string header)
    {
        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() > MaxContextDocuments)
                return null;
            var documents = new List<string>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var text = item.ValueKind switch
                {
                    JsonValueKind.String => item.GetString(),
                    JsonValueKind.Object when item.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String => c.GetString(),
                    JsonValueKind.Object when item.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String => t.GetString(),
                    _ => null,
                };
                if (text is null)
                    return null;
                documents.Add(text);
            }
            return documents;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The documents go in as one system message after the application's own system messages.</summary>
    private static void PlaceDocuments(JsonArray messages, IReadOnlyList<string> documents)
    {
        if (documents.Count == 0)
            return;
        var text = new StringBuilder("Context documents:");
        for (var i = 0; i < documents.Count; i++)
            text.Append("\n\n[").Append(i + 1).Append("] ").Append(documents[i]);
        var position = 0;
        while (position < messages.Count && messages[position] is JsonObject m && m["role"] is JsonValue r
               && r.TryGetValue<string>(out var role) && role is "system" or "developer")
            position++;
        messages.Insert(position, new JsonObject { ["role"] = "system", ["content"] = text.ToString() });
    }

    /// <summary>The schema an answer must meet: response_format json_schema's schema, or any JSON for json_object.</summary>
    private static JsonElement? RequestedSchema(JsonObject body)
    {
        if (body["response_format"] is not JsonObject format || format["type"] is not JsonValue t || !t.TryGetValue<string>(out var type))
            return null;
        return type switch
        {
            "json_schema" when format["json_schema"] is JsonObject spec && spec["schema"] is JsonObject schema =>
                JsonSerializer.SerializeToElement(schema),
            "json_schema" or "json_object" => JsonSerializer.SerializeToElement(new JsonObject()),
            _ => null,
        };
    }
}
