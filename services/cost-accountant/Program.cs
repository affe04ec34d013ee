using LlmOps.CostAccountant;
using LlmOps.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(CostAccountantExtensions.ServiceName);
builder.AddCostAccountant();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapCostAccountantEndpoints();
app.RunService();
