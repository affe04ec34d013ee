using LlmOps.Evaluator;
using LlmOps.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(EvaluatorExtensions.ServiceName);
builder.AddEvaluator();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapEvaluatorEndpoints();
app.RunService();
