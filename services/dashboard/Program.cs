using LlmOps.Dashboard;
using LlmOps.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults(DashboardExtensions.ServiceName);
builder.AddDashboard();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapDashboardEndpoints();
app.RunService();
