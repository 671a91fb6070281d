using AgentRelay.ProxyService.Endpoints;
using AgentRelay.ProxyService.Hosting;
using AgentRelay.ProxyService.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults(ProxyInstrumentation.SourceName);
builder.AddProxyServices();

var app = builder.Build();

app.UseProxyPipeline();
app.MapDefaultEndpoints();
app.MapRootApi();
app.MapAnthropicMessagesApi();
app.MapOpenAIChatCompletionsApi();
app.MapModelsApi();
app.MapTelemetryApi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
