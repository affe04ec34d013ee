using System.Text.Json;
using System.Text.RegularExpressions;
using LlmOps.Evaluator.Features.Configuration;
using LlmOps.Evaluator.Infrastructure;
using LlmOps.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LlmOps.Evaluator.Features.Datasets;

/// <summary>
/// Writing <c>/api/datasets</c>: golden datasets and their items (reading is in FineTune/DatasetEndpoints, shared with the
/// curated fine-tune sets). A project key acts on its own project; the admin on <c>?projectId=</c> or the default project.
/// </summary>
public static partial class GoldenDatasetEndpoints
{
    public const string Golden = "golden";
    public const int MaxBatch = 1_000;

    public sealed record DatasetInput(string? Name, string? Kind, string? Description);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")]
    private static partial Regex DatasetName();

    public static async Task<IResult> CreateAsync(DatasetInput input, string? projectId, HttpContext context, EvaluatorDbContext db,
        IOptions<AuthOptions> auth, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (input.Name is null || !DatasetName().IsMatch(input.Name))
            errors["name"] = ["A name is 1 to 200 letters, digits, dots, dashes, underscores and slashes."];
        else if (input.Name.StartsWith("fine-tune/", StringComparison.Ordinal))
            errors["name"] = ["Names starting with fine-tune/ are the curated fine-tune datasets'."];
        if ((input.Kind ?? Golden) != Golden)
            errors["kind"] = ["kind is golden (fine-tune datasets are curated by the evaluator)."];
        if (input.Description is { Length: > 4_000 })
            errors["description"] = ["description is at most 4,000 characters."];
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var project = EvaluatorEndpoints.ProjectOf(context, projectId, auth);
        var record = new DatasetRecord
        {
            Id = Guid.CreateVersion7(), ProjectId = project, Name = input.Name!, Kind = Golden, Description = input.Description,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        if (await db.Datasets.AnyAsync(d => d.ProjectId == project && d.Name == record.Name, cancellationToken))
            return Conflict(project, record.Name);
        db.Datasets.Add(record);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            return Conflict(project, record.Name);
        }
        return Results.Created($"/api/datasets/{record.Id}", new
        {
            id = record.Id, projectId = record.ProjectId, name = record.Name, kind = record.Kind, description = record.Description,
            createdAt = record.CreatedAt, items = 0,
        });
    }

    /// <summary>
    /// One item (the body is the item) or a batch (<c>{"items": [...]}</c>, up to 1,000). Items already in the dataset
    /// (same content hash) are not added twice: the answer gives, in the order sent, each item's id and whether it was new.
    /// </summary>
    public static async Task<IResult> AddItemsAsync(Guid id, JsonElement body, HttpContext context, EvaluatorDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (dataset is null || !context.User.CanAccessProject(dataset.ProjectId))
            return NotFound(id);
        if (dataset.Kind != Golden)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["Items are added to golden datasets; fine-tune datasets are curated."] });

        List<JsonElement> elements;
        var single = false;
        if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("items", out var items))
        {
            if (items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["items"] = ["items is a non-empty array of items."] });
            if (items.GetArrayLength() > MaxBatch)
                return Results.Problem(statusCode: 413, title: "Payload Too Large",
                    detail: $"A batch holds at most {MaxBatch:N0} items; this one has {items.GetArrayLength():N0}. Send it in several requests.");
            elements = [.. items.EnumerateArray()];
        }
        else
        {
            elements = [body];
            single = true;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var parsed = new List<DatasetItemRecord>(elements.Count);
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < elements.Count; i++)
        {
            var (item, problem) = GoldenItem.Parse(elements[i], id, now);
            if (problem is not null)
                errors[single ? "item" : $"items[{i}]"] = [problem];
            else
                parsed.Add(item!);
            if (errors.Count >= 20)
                break;
        }
        if (errors.Count > 0)
            return Results.ValidationProblem(errors);

        var hashes = parsed.Select(p => p.ContentHash).Distinct().ToList();
        var existing = await ExistingAsync(db, id, hashes, cancellationToken);
        var added = new Dictionary<string, DatasetItemRecord>();
        foreach (var item in parsed)
        {
            if (!existing.ContainsKey(item.ContentHash) && added.TryAdd(item.ContentHash, item))
                db.DatasetItems.Add(item);
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Someone added the same content at the same moment: theirs stands, and ours is reported as a duplicate.
            db.ChangeTracker.Clear();
            existing = await ExistingAsync(db, id, hashes, cancellationToken);
            var missing = added.Values.Where(a => !existing.ContainsKey(a.ContentHash)).ToList();
            db.DatasetItems.AddRange(missing);
            await db.SaveChangesAsync(cancellationToken);
            added = missing.ToDictionary(m => m.ContentHash);
        }

        var results = parsed.Select(p => added.TryGetValue(p.ContentHash, out var a) && a.Id == p.Id
            ? new { id = p.Id, duplicate = false }
            : new { id = added.TryGetValue(p.ContentHash, out var first) ? first.Id : existing[p.ContentHash], duplicate = true }).ToList();
        return Results.Ok(new { datasetId = id, added = added.Count, duplicates = parsed.Count - added.Count, items = results });
    }

    /// <summary>Deletes the dataset and its items; refused (409) while an experiment on it is pending or running. Experiments keep their results.</summary>
    public static async Task<IResult> DeleteAsync(Guid id, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (dataset is null || !context.User.CanAccessProject(dataset.ProjectId))
            return NotFound(id);
        if (await db.Experiments.AnyAsync(e => e.DatasetId == id && (e.Status == "pending" || e.Status == "running"), cancellationToken))
            return Results.Problem(statusCode: 409, title: "Conflict", detail: $"An experiment on dataset {id} is still running; delete it when the experiment has finished.");
        await db.DatasetItems.Where(i => i.DatasetId == id).ExecuteDeleteAsync(cancellationToken);
        db.Datasets.Remove(dataset);
        await db.SaveChangesAsync(cancellationToken);
        return Results.NoContent();
    }

    public static async Task<IResult> DeleteItemAsync(Guid id, Guid itemId, HttpContext context, EvaluatorDbContext db, CancellationToken cancellationToken)
    {
        var dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (dataset is null || !context.User.CanAccessProject(dataset.ProjectId))
            return NotFound(id);
        var deleted = await db.DatasetItems.Where(i => i.DatasetId == id && i.Id == itemId).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0
            ? Results.Problem(statusCode: 404, title: "Not Found", detail: $"Dataset {id} has no item {itemId}.")
            : Results.NoContent();
    }

    private static async Task<Dictionary<string, Guid>> ExistingAsync(EvaluatorDbContext db, Guid id, List<string> hashes, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, Guid>();
        // In chunks: a 1,000-item batch would otherwise be one IN list of 1,000 parameters.
        foreach (var chunk in hashes.Chunk(200))
        {
            foreach (var row in await db.DatasetItems.AsNoTracking().Where(i => i.DatasetId == id && chunk.Contains(i.ContentHash))
                .Select(i => new { i.ContentHash, i.Id }).ToListAsync(cancellationToken))
                found[row.ContentHash] = row.Id;
        }
        return found;
    }

    private static IResult Conflict(string project, string name) =>
        Results.Problem(statusCode: 409, title: "Conflict", detail: $"Project {project} already has a dataset named {name}.");

    public static IResult NotFound(Guid id) => Results.Problem(statusCode: 404, title: "Not Found", detail: $"No dataset {id}.");
}
