using System.Runtime.InteropServices;
using AgentRelay.AppHost.Dashboard;
using AgentRelay.AppHost.FrontDoor;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Runs the app model: the dashboard first, then each resource once what it waits for is healthy, then waits for
/// Ctrl+C or SIGTERM and stops everything in reverse order (projects before the Redis they use).
/// </summary>
public sealed class DistributedApplication
{
    private readonly DistributedApplicationBuilder _builder;

    internal DistributedApplication(DistributedApplicationBuilder builder) => _builder = builder;

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    public void Run() => RunAsync().GetAwaiter().GetResult();

    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var options = _builder.Options;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopping.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopping.Cancel(); });
        using var projectsStopping = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
        using var dependenciesStopping = new CancellationTokenSource();

        var notifications = new ResourceNotificationService();
        var console = new ConsoleLog();
        var view = new ConsoleView(notifications, Console.Out);
        view.Attach();
        Directory.CreateDirectory(options.StateDirectory);
        view.Say($"AgentRelay AppHost: state in {options.StateDirectory}; Ctrl+C stops everything.");

        var projects = new List<ProjectRunner>();
        var collector = new TelemetryCollector(() => [.. projects.SelectMany(p => p.Replicas)], _builder.Configuration["Proxy:ApiKey"]);
        await using var dashboard = new DashboardHost(PortAllocator.Resolve(options.DashboardPort), notifications, console, collector);
        await dashboard.StartAsync(stopping.Token);

        var projectTasks = new List<Task>();
        var dependencyTasks = new List<Task>();
        var frontDoors = new List<FrontDoorHost>();
        var ready = new Dictionary<Resource, Task>();
        var publicUrls = new List<string>();
        try
        {
            foreach (var resource in InDependencyOrder(_builder.Resources))
            {
                await Task.WhenAll(resource.WaitsFor.Select(dependency => ready[dependency])).WaitAsync(stopping.Token);
                switch (resource)
                {
                    case RedisResource redis:
                        var redisRunner = new RedisRunner(redis, _builder.Configuration, options, notifications, console);
                        dependencyTasks.Add(redisRunner.Start(dependenciesStopping.Token));
                        ready[redis] = redisRunner.WaitAsync(stopping.Token);
                        break;
                    case ProjectResource project:
                        var runner = new ProjectRunner(project, _builder.Configuration, options, _builder.ForwardedArgs, notifications, console);
                        projects.Add(runner);
                        projectTasks.AddRange(runner.Start(projectsStopping.Token));
                        if (runner.NeedsFrontDoor)
                        {
                            var frontDoor = new FrontDoorHost($"{project.Name}-frontdoor", runner.ExternalPort, runner.Replicas, project.HealthCheckPath ?? "/", notifications);
                            frontDoors.Add(frontDoor);
                            await frontDoor.StartAsync(stopping.Token);
                        }

                        publicUrls.Add($"{project.Name}: http://127.0.0.1:{runner.ExternalPort}");
                        ready[project] = WaitUntilRunningAsync(notifications, [.. runner.Replicas.Select(r => r.Name)], stopping.Token);
                        break;
                }
            }

            await Task.WhenAll(ready.Values).WaitAsync(TimeSpan.FromSeconds(90), stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!stopping.IsCancellationRequested)
            {
                view.PrintTable();
                view.Say($"Ready. {string.Join("; ", publicUrls)}; dashboard: {dashboard.Url}");
                await Task.Delay(Timeout.Infinite, stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        finally
        {
            view.Say("Stopping: SIGTERM to every process, SIGKILL after " + options.ShutdownTimeout.TotalSeconds + " s.");
            foreach (var frontDoor in frontDoors)
            {
                await frontDoor.DisposeAsync();
            }

            await projectsStopping.CancelAsync();
            await Task.WhenAll(projectTasks);
            await dependenciesStopping.CancelAsync();
            await Task.WhenAll(dependencyTasks);
            view.PrintTable();
            view.Detach();
        }
    }

    private static async Task WaitUntilRunningAsync(ResourceNotificationService notifications, HashSet<string> names, CancellationToken cancellationToken)
    {
        while (!notifications.All().Where(s => names.Contains(s.Name)).All(s => s.State == ResourceStates.Running))
        {
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Dependencies before dependants; the app model is small, so a depth-first walk will do.</summary>
    private static List<Resource> InDependencyOrder(IEnumerable<Resource> resources)
    {
        var ordered = new List<Resource>();
        void Visit(Resource resource, int depth)
        {
            if (depth > 32)
            {
                throw new InvalidOperationException($"WaitFor forms a cycle at '{resource.Name}'.");
            }

            foreach (var dependency in resource.WaitsFor)
            {
                Visit(dependency, depth + 1);
            }

            if (!ordered.Contains(resource))
            {
                ordered.Add(resource);
            }
        }

        foreach (var resource in resources)
        {
            Visit(resource, 0);
        }

        return ordered;
    }
}
