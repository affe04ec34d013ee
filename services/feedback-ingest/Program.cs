using LlmOps.FeedbackIngest;
using LlmOps.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(FeedbackIngestExtensions.ServiceName);
builder.AddFeedbackIngest();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFeedbackIngestEndpoints();
app.RunService();
