using LlmOps.Samples.AlertSubscriber;

// A service outside the platform reacting to its alerts and loop actions. Two ways in, one handler:
//   Dapr mode (default): a Dapr sidecar consumes the topics and POSTs each CloudEvent to /alerts or /actions.
//   RabbitMq mode:       no Dapr; the service binds its own durable queues to the topics' exchanges.
// See deploy/dapr/README.md and docs/topics.md.
var builder = WebApplication.CreateBuilder(args);
builder.AddAlertSubscriber();

var app = builder.Build();
app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
app.MapHealthChecks("/health/ready");
app.MapDaprSubscriber();
app.Run();
