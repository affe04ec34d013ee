using System.Text;
using System.Text.Json;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LlmOps.Evaluator.Features.FineTune;

/// <summary>
/// <c>GET /api/datasets/{id}/export?format=openai-chat</c>: the dataset as JSONL in OpenAI's chat fine-tuning format, one
/// <c>{"messages":[...]}</c> per line: a system message carrying the retrieved context when the item has one (the model
/// learns to answer from context), the user's input, and the expected answer as the assistant's. Items without an
/// expected answer cannot teach anything and are left out. Streamed, so a large dataset never sits in memory.
/// </summary>
public static class DatasetExport
{
    public const string OpenAiChat = "openai-chat";
    public const string ContextInstruction = "Answer the user's question using only the context below.";

    public static async Task<IResult> ExportAsync(Guid id, string? format, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        if ((format ?? OpenAiChat) != OpenAiChat)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["format"] = [$"The export format is {OpenAiChat}."] });
        var dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (dataset is null || !context.User.CanAccessProject(dataset.ProjectId))
            return Results.Problem(statusCode: 404, title: "Not Found", detail: $"No dataset {id}.");

        context.Response.ContentType = "application/jsonl; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"{Safe(dataset.Name)}.jsonl\"";
        var items = db.DatasetItems.AsNoTracking().Where(i => i.DatasetId == id && i.ExpectedOutput != null).OrderBy(i => i.CreatedAt).ThenBy(i => i.Id)
            .AsAsyncEnumerable();
        var line = new MemoryStream();
        await foreach (var item in items.WithCancellation(cancellationToken))
        {
            line.SetLength(0);
            WriteLine(line, item);
            line.WriteByte((byte)'\n');
            await context.Response.Body.WriteAsync(line.GetBuffer().AsMemory(0, (int)line.Length), cancellationToken);
        }
        return Results.Empty;
    }

    public static void WriteLine(Stream stream, DatasetItemRecord item)
    {
        using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartObject();
        writer.WriteStartArray("messages");
        if (Datasets.GoldenItem.ContextText(item) is { } context && !string.IsNullOrWhiteSpace(context))
            Message(writer, "system", $"{ContextInstruction}\n\nContext:\n{context}");
        Message(writer, "user", item.Input);
        Message(writer, "assistant", item.ExpectedOutput!);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void Message(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    private static string Safe(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        return builder.ToString();
    }
}
