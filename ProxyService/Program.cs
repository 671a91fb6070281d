using AgentRelay.ProxyService.Commands;
using AgentRelay.ProxyService.Endpoints;
using AgentRelay.ProxyService.Hosting;
using AgentRelay.ProxyService.Telemetry;

// `agentrelay setup|doctor|help` run and exit; `agentrelay [serve]` and every host argument run the proxy.
var invocation = ToolCommandLine.Parse(args, Console.Out, Console.Error);
if (invocation.Command is { } command)
{
    return await command();
}

var builder = WebApplication.CreateBuilder(invocation.ServeArguments);

builder.AddServiceDefaults(ProxyInstrumentation.SourceName);
builder.AddProxyServices();

var app = builder.Build();

app.UseProxyPipeline();
app.MapDefaultEndpoints();
app.MapRootApi();
app.MapApiSurfaces();
app.MapModelsApi();
app.MapTelemetryApi();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
