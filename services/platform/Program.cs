using LlmOps.ServiceDefaults;
using LlmOps.Platform;

var builder = WebApplication.CreateBuilder(args);
builder.AddEmbeddedPlatform();

var app = builder.Build();
app.MapEmbeddedPlatform();
app.RunService();
