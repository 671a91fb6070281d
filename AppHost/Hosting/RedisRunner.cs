using System.Diagnostics;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Brings up a <see cref="RedisResource"/> in the first way that works: the server named by
/// <c>ConnectionStrings:{name}</c>; <c>redis-server</c> from PATH on a free loopback port with its data in the state
/// folder; or nothing, said plainly, in which case dependants get no connection string.
/// </summary>
internal sealed class RedisRunner(RedisResource resource, IConfiguration configuration, AppHostOptions options,
    ResourceNotificationService notifications, ConsoleLog console)
{
    public const string NoRedisMessage =
        "no redis: redis-server is not on PATH and ConnectionStrings:redis is not set; the proxy keeps sessions and limits in process (per replica)";

    public SupervisedProcess? Process { get; private set; }

    /// <summary>Starts the resource; the returned task is the supervisor's, if there is one.</summary>
    public Task Start(CancellationToken stopping)
    {
        var snapshot = new ResourceSnapshot { Name = resource.Name, Resource = resource.Name, Type = "Redis" };
        if (configuration.GetConnectionString(resource.Name) is { Length: > 0 } existing)
        {
            resource.ConnectionString = existing;
            notifications.Publish(snapshot with
            {
                Type = "Redis (connection string)", State = ResourceStates.Running, Url = $"redis://{FirstEndpoint(existing)}",
                Detail = "from ConnectionStrings:" + resource.Name,
            });
            return Task.CompletedTask;
        }

        if (FindOnPath("redis-server") is not { } executable)
        {
            notifications.Publish(snapshot with { State = ResourceStates.NotAvailable, Detail = NoRedisMessage });
            return Task.CompletedTask;
        }

        var port = PortAllocator.GetFreePort();
        var dataDirectory = Path.Combine(options.StateDirectory, resource.Name);
        Directory.CreateDirectory(dataDirectory);
        notifications.Publish(snapshot with { Url = $"redis://127.0.0.1:{port}" });
        Process = new SupervisedProcess(resource.Name, () => StartInfo(executable, port, dataDirectory),
            token => ReadinessProbes.RedisAsync("127.0.0.1", port, token), notifications, console, options);
        var running = Process.RunAsync(stopping);
        resource.ConnectionString = $"127.0.0.1:{port}";
        return running;
    }

    /// <summary>Waits for the server to answer; on timeout dependants go on without Redis.</summary>
    public async Task<string?> WaitAsync(CancellationToken stopping)
    {
        if (Process is null)
        {
            return resource.ConnectionString;
        }

        await ((Task)Process.FirstReady.WaitAsync(options.WaitTimeout, stopping)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (Process.FirstReady is { IsCompletedSuccessfully: true, Result: true })
        {
            return resource.ConnectionString;
        }

        notifications.Update(resource.Name, s => s with
        {
            Detail = $"not ready after {options.WaitTimeout.TotalSeconds:0} s; the proxy starts without redis (in-process store)",
        });
        resource.ConnectionString = null;
        return null;
    }

    private static ProcessStartInfo StartInfo(string executable, int port, string dataDirectory)
    {
        var info = new ProcessStartInfo(executable) { WorkingDirectory = dataDirectory };
        foreach (var argument in new[]
        {
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--dir", dataDirectory, "--dbfilename", "dump.rdb", "--save", "60 1", "--appendonly", "no", "--daemonize", "no",
        })
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    internal static string? FindOnPath(string executable) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, executable))
            .FirstOrDefault(File.Exists);

    /// <summary>Only the first host:port of a StackExchange.Redis connection string: never its password.</summary>
    private static string FirstEndpoint(string connectionString) =>
        connectionString.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(part => !part.Contains('=')) ?? "(configured)";
}
