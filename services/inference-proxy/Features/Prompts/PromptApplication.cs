using System.Text.Json.Nodes;
using LlmOps.InferenceProxy.Features.Gateway;

namespace LlmOps.InferenceProxy.Features.Prompts;

/// <summary>Puts a managed prompt into a chat request, when the request names one.</summary>
public sealed class PromptApplication(PromptResolver resolver)
{
    public const string ServedHeader = "x-llmops-prompt";

    /// <summary>False when the request named a prompt that cannot be served (the 4xx is written).</summary>
    public async Task<bool> ApplyAsync(HttpContext context, GatewayCall call, JsonObject body)
    {
        var reference = context.Request.Headers[PromptResolver.PromptHeader].ToString();
        if (reference.Length == 0)
            return true;

        var (resolution, failure) = resolver.Resolve(call.ProjectId, reference, call.UserId ?? call.SessionId ?? call.TraceId);
        if (failure is not null)
        {
            await GatewayPipeline.RejectAsync(context, call, failure.Status, failure.Message, failure.Code, null);
            return false;
        }

        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        var header = context.Request.Headers[PromptResolver.VariablesHeader].ToString();
        if (header.Length > 0)
        {
            if (PromptResolver.ParseVariablesHeader(header) is not { } fromHeader)
            {
                await GatewayPipeline.RejectAsync(context, call, 400, $"{PromptResolver.VariablesHeader} must be a JSON object.", "invalid_header", null);
                return false;
            }
            foreach (var (name, value) in fromHeader)
                variables[name] = value;
        }
        if (PromptResolver.ReadVariables(body["metadata"]) is { } fromMetadata)
        {
            foreach (var (name, value) in fromMetadata)
                variables.TryAdd(name, value);
            // Used as the prompt's variables, not sent on: OpenAI only accepts metadata together with store.
            body.Remove("metadata");
        }

        var (prompt, version, label) = resolution!;
        var (messages, missing) = PromptResolver.Render(version, variables);
        if (missing.Count > 0)
        {
            await GatewayPipeline.RejectAsync(context, call, 400,
                $"Prompt '{prompt.Name}' version {version.Version} needs variables it was not given: {string.Join(", ", missing)}.",
                "missing_prompt_variables", null);
            return false;
        }

        foreach (var own in body["messages"] as JsonArray ?? [])
            messages.Add(own?.DeepClone());
        body["messages"] = messages;
        if (body["model"] is null && version.Model is { } model)
            body["model"] = model;
        foreach (var (name, value) in version.Parameters ?? [])
        {
            if (body[name] is null)
                body[name] = value?.DeepClone();
        }
        if (body["response_format"] is null && version.ResponseSchema is { } schema)
        {
            body["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = SchemaName(prompt.Name), ["schema"] = schema.DeepClone(), ["strict"] = true },
            };
        }

        call.PromptName = prompt.Name;
        call.PromptVersion = version.Version;
        call.PromptLabel = label;
        context.Response.Headers[ServedHeader] = $"{prompt.Name}#{version.Version}";
        return true;
    }

    // OpenAI accepts schema names of letters, digits, underscores and dashes only.
    private static string SchemaName(string promptName) =>
        new(promptName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_').ToArray());
}
