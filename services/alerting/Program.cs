using LlmOps.Alerting;
using LlmOps.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(AlertingExtensions.ServiceName);
builder.AddAlerting();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapAlertingEndpoints();
app.RunService();
