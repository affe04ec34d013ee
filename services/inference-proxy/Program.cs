using LlmOps.InferenceProxy;
using LlmOps.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(InferenceProxyExtensions.ServiceName);
builder.AddInferenceProxy();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapInferenceProxyEndpoints();
app.RunService();
