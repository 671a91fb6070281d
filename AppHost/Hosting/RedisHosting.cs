using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// Redis the way this machine allows (<see cref="RedisMode"/>). In publish mode it is always Aspire's Redis container,
/// which is what a deployment needs.
/// </summary>
public static partial class RedisHosting
{
    public const string NoRedisMessage = "no Redis: the proxy keeps sessions and limits in process (per replica)";

    /// <summary>The Redis resource, or <see langword="null"/> when there is none (the proxies run on their in-process state).</summary>
    public static IResourceBuilder<IResourceWithConnectionString>? AddRedisAsAvailable(this IDistributedApplicationBuilder builder, string name, RedisMode mode)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddRedis(name);
        }

        var redisServer = FindOnPath("redis-server");
        var (chosen, reason) = mode switch
        {
            RedisMode.Auto when ContainerRuntimeAnswers() => (RedisMode.Container, "a container runtime answers"),
            RedisMode.Auto when redisServer is not null => (RedisMode.Executable, "no container runtime answers; redis-server is on PATH"),
            RedisMode.Auto => (RedisMode.None, "no container runtime answers and redis-server is not on PATH"),
            RedisMode.Executable when redisServer is null => (RedisMode.None, "--redis executable, but redis-server is not on PATH"),
            _ => (mode, $"--redis {mode.ToString().ToLowerInvariant()}"),
        };

        return chosen switch
        {
            RedisMode.Container => builder.AddRedis(name),
            RedisMode.Executable => builder.AddRedisServer(name, redisServer!),
            _ => builder.AddUnavailableRedis(name, reason),
        };
    }

    /// <summary>References Redis and waits for it, when there is one.</summary>
    public static IResourceBuilder<ProjectResource> WithRedis(this IResourceBuilder<ProjectResource> project, IResourceBuilder<IResourceWithConnectionString>? redis) =>
        redis is null ? project : project.WithReference(redis).WaitFor(redis);

    private static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name, string executable)
    {
        var resource = new RedisServerResource(name, executable, builder.AppHostDirectory);
        string? connectionString = null;
        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (_, cancellationToken) =>
            connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken));
        var healthCheck = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(
            _ => connectionString ?? throw new InvalidOperationException("Redis has not started yet."), healthCheck);

        return builder.AddResource(resource)
            .WithEndpoint(name: RedisServerResource.EndpointName, scheme: "tcp", isProxied: false)
            // Loopback only, nothing written to disk: the same as Aspire's container without a data volume.
            .WithArgs(context => context.Args.Add("--port"))
            .WithArgs(context => context.Args.Add(resource.PrimaryEndpoint.Property(EndpointProperty.TargetPort)))
            .WithArgs("--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes")
            .WithHealthCheck(healthCheck)
            .WithIconName("Database");
    }

    private static IResourceBuilder<IResourceWithConnectionString>? AddUnavailableRedis(this IDistributedApplicationBuilder builder, string name, string reason)
    {
        builder.AddResource(new UnavailableRedisResource(name))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Redis",
                State = new ResourceStateSnapshot("Not available", KnownResourceStateStyles.Warn),
                Properties = [new ResourcePropertySnapshot(CustomResourceKnownProperties.Source, $"{reason}; {NoRedisMessage}")],
            });
        builder.Eventing.Subscribe<BeforeStartEvent>((@event, _) =>
        {
            LogNoRedis(@event.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RedisHosting)), reason, NoRedisMessage);
            return Task.CompletedTask;
        });
        return null;
    }

    /// <summary><c>$ASPIRE_CONTAINER_RUNTIME info</c> (default docker) answering within 3 s. Podman is never probed implicitly:
    /// its <c>info</c> can succeed where it cannot run a container.</summary>
    private static bool ContainerRuntimeAnswers()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker";
        if (FindOnPath(runtime) is not { } executable)
        {
            return false;
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(executable, "info")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(3)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string? FindOnPath(string command) =>
        Path.IsPathRooted(command) ? (File.Exists(command) ? command : null)
        : (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, command)).FirstOrDefault(File.Exists);

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Redis: {Reason}; {Consequence}.")]
    private static partial void LogNoRedis(ILogger logger, string reason, string consequence);
}
