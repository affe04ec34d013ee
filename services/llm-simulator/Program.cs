using LlmOps.LlmSimulator;

var builder = WebApplication.CreateBuilder(args);
builder.AddLlmSimulator();

var app = builder.Build();
app.MapGet("/health/live", () => Results.Ok(new { status = "Healthy" }));
app.MapGet("/health/ready", () => Results.Ok(new { status = "Healthy" }));
app.MapLlmSimulatorEndpoints();
app.Run();
