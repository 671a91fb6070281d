using System.Diagnostics;
using System.Reflection;

// A minimal AppHost: starts the proxy and stops it with Ctrl+C. Orchestration of Redis, replicas and the dashboard
// comes with the AppHost issue.
var proxyDirectory = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
    .First(attribute => attribute.Key == "ProxyServiceDirectory").Value!;
var start = new ProcessStartInfo("dotnet") { WorkingDirectory = proxyDirectory };
start.ArgumentList.Add(Path.Combine(proxyDirectory, "ProxyService.dll"));
foreach (var arg in args)
{
    start.ArgumentList.Add(arg);
}

start.Environment["OTEL_SERVICE_NAME"] = "proxy";
using var proxy = Process.Start(start) ?? throw new InvalidOperationException("Could not start the proxy.");
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    proxy.Kill(entireProcessTree: true);
};
await proxy.WaitForExitAsync();
return proxy.ExitCode;
