using System.Globalization;

namespace AgentRelay.AppHost.Hosting;

/// <summary>How Redis is provided; see <see cref="RedisHosting"/>.</summary>
public enum RedisMode
{
    /// <summary>A container if a container runtime answers, else <c>redis-server</c> from PATH, else none.</summary>
    Auto,

    /// <summary>Aspire's Redis container (<c>AddRedis</c>).</summary>
    Container,

    /// <summary><c>redis-server</c> from PATH, started by the AppHost on a free loopback port.</summary>
    Executable,

    /// <summary>No Redis: every proxy keeps sessions and limits in process.</summary>
    None,
}

/// <summary>
/// The AppHost's own options, from the command line (<c>--replicas 2</c>, <c>--port 3456</c>, <c>--redis executable</c>)
/// or the environment (<c>AppHost__Replicas</c>). Bad values stop the AppHost before anything starts.
/// </summary>
public sealed record AppHostOptions
{
    /// <summary>The public port of the front door on loopback. <value>3456.</value></summary>
    public const int DefaultPort = 3456;

    /// <summary>Proxy replicas behind the front door. <value>1.</value></summary>
    public int Replicas { get; init; } = 1;

    /// <summary>The front door's port; <see langword="null"/> lets the orchestrator pick a free one (<c>--port 0</c>).</summary>
    public int? Port { get; init; } = DefaultPort;

    /// <summary>How Redis is provided. <value><see cref="RedisMode.Auto"/>.</value></summary>
    public RedisMode Redis { get; init; } = RedisMode.Auto;

    /// <summary>Command-line settings for the proxies (<c>--Backend:Kind=AnthropicApi</c>), passed on to every replica.</summary>
    public string[] ProxyArguments { get; init; } = [];

    /// <summary>Configuration sections that belong to the AppHost or to Aspire, never passed on to the proxies.</summary>
    private static readonly string[] s_ownSections = ["AppHost", "Publishing", "Pipeline", "Dashboard", "DcpPublisher", "ConnectionStrings"];

    /// <summary>
    /// Reads the options. Publishing describes one <c>proxy</c> whatever <c>--replicas</c> says, and no fixed port:
    /// a deployment's platform scales the replicas (Container Apps' min/max replicas) and picks its ports.
    /// </summary>
    public static AppHostOptions From(IDistributedApplicationBuilder builder, IEnumerable<string> args)
    {
        var configuration = builder.Configuration;
        string? Read(string key) => configuration[key] ?? configuration[$"AppHost:{key}"];
        var replicas = ParseInt(Read("replicas"), 1, "replicas");
        var port = ParseInt(Read("port"), DefaultPort, "port");
        if (replicas is < 1 or > 16)
        {
            throw new ArgumentException($"--replicas must be 1..16, not {replicas}.");
        }

        if (port is < 0 or > 65535)
        {
            throw new ArgumentException($"--port must be 0..65535, not {port}.");
        }

        var redis = Read("redis");
        return new AppHostOptions
        {
            Replicas = builder.ExecutionContext.IsPublishMode ? 1 : replicas,
            Port = port == 0 || builder.ExecutionContext.IsPublishMode ? null : port,
            Redis = redis is null ? RedisMode.Auto
                : Enum.TryParse<RedisMode>(redis, ignoreCase: true, out var mode) && Enum.IsDefined(mode) ? mode
                : throw new ArgumentException($"--redis must be auto, container, executable or none, not '{redis}'."),
            ProxyArguments = ForwardedArguments(args),
        };
    }

    /// <summary>Arguments in configuration form (<c>--Section:Key=value</c>) for a section that is not the AppHost's own.</summary>
    public static string[] ForwardedArguments(IEnumerable<string> args) =>
        [.. args.Where(arg => arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal)
            && arg.IndexOf(':', StringComparison.Ordinal) is var colon and > 2 && colon < arg.IndexOf('=', StringComparison.Ordinal)
            && !s_ownSections.Contains(arg[2..colon], StringComparer.OrdinalIgnoreCase))];

    private static int ParseInt(string? value, int fallback, string name) =>
        value is null ? fallback
        : int.TryParse(value, CultureInfo.InvariantCulture, out var parsed) ? parsed
        : throw new ArgumentException($"--{name} must be a whole number, not '{value}'.");
}
