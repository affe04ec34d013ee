using LlmOps.ServiceDefaults;
using LlmOps.TraceCollector;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(TraceCollectorExtensions.ServiceName);
builder.AddTraceCollector();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapTraceCollectorEndpoints();
app.RunService();
