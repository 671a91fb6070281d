using System.Diagnostics;
using System.Globalization;

namespace AgentRelay.AppHost.Hosting;

/// <summary>One replica of a project: its name and the loopback URL it listens on.</summary>
public sealed record ReplicaEndpoint(string Name, string Url);

/// <summary>
/// Starts every replica of a <see cref="ProjectResource"/> under its own <see cref="SupervisedProcess"/>, wired the way
/// Aspire wires a project: <c>ASPNETCORE_URLS</c>, <c>ConnectionStrings__*</c>, <c>OTEL_SERVICE_NAME</c>,
/// <c>OTEL_RESOURCE_ATTRIBUTES</c> (the replica id) and, when the AppHost has one, <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.
/// </summary>
internal sealed class ProjectRunner(ProjectResource resource, IConfiguration configuration, AppHostOptions options,
    IReadOnlyList<string> forwardedArgs, ResourceNotificationService notifications, ConsoleLog console)
{
    /// <summary>The public port: the only replica's, or the front door's.</summary>
    public int ExternalPort { get; } = PortAllocator.Resolve(resource.ExternalPort ?? 0);

    public bool NeedsFrontDoor => resource.Replicas > 1;

    public List<ReplicaEndpoint> Replicas { get; } = [];

    public List<Task> Start(CancellationToken stopping)
    {
        var running = new List<Task>();
        for (var index = 0; index < resource.Replicas; index++)
        {
            var name = resource.ReplicaName(index);
            var port = NeedsFrontDoor ? PortAllocator.GetFreePort() : ExternalPort;
            var url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
            Replicas.Add(new ReplicaEndpoint(name, url));
            notifications.Publish(new ResourceSnapshot { Name = name, Resource = resource.Name, Type = "Project", Url = url });
            var healthUrl = resource.HealthCheckPath is { } path ? url + path : null;
            var supervisor = new SupervisedProcess(name, () => StartInfo(name, url),
                token => healthUrl is null ? Task.FromResult(true) : ReadinessProbes.HttpAsync(healthUrl, token),
                notifications, console, options);
            running.Add(supervisor.RunAsync(stopping));
        }

        return running;
    }

    private ProcessStartInfo StartInfo(string replicaName, string url)
    {
        var info = new ProcessStartInfo(DotNetHost()) { WorkingDirectory = resource.Project.OutputDirectory };
        info.ArgumentList.Add(Path.Combine(resource.Project.OutputDirectory, resource.Project.AssemblyName + ".dll"));
        foreach (var argument in forwardedArgs)
        {
            info.ArgumentList.Add(argument);
        }

        var environment = info.Environment;
        environment.Remove("ASPNETCORE_HTTP_PORTS");
        environment.Remove("ASPNETCORE_HTTPS_PORTS");
        environment["ASPNETCORE_URLS"] = url;
        environment["OTEL_SERVICE_NAME"] = resource.Name;
        environment["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={replicaName}";
        if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } otlp)
        {
            environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
        }

        foreach (var reference in resource.References)
        {
            var key = $"ConnectionStrings__{reference.Name}";
            if (reference.ConnectionString is { } connectionString)
            {
                environment[key] = connectionString;
            }
            else
            {
                environment.Remove(key);
            }
        }

        foreach (var (key, value) in resource.Environment)
        {
            environment[key] = value;
        }

        return info;
    }

    /// <summary>The dotnet host this AppHost runs on, so replicas use the same runtime.</summary>
    private static string DotNetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : "dotnet";
}
