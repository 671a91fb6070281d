using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Commands.Setup;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Commands;

/// <summary>
/// <c>agentrelay doctor [--port N]</c>: checks what the proxy needs (the <c>claude</c> CLI found, its version, logged
/// in; Redis when configured; the port) and which agents' configs point at it, each line with its fix. It reads the
/// same settings as the service (appsettings.json, environment, <c>--Section:Key=value</c>). Exit code 1 when a
/// check fails; warnings alone leave it 0.
/// </summary>
public static class DoctorCommand
{
    private static readonly TimeSpan s_probeTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(string[] args, ToolEnvironment environment, TextWriter output)
    {
        var settings = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':', StringComparison.Ordinal)).ToArray();
        CommandOptions options;
        try
        {
            options = CommandOptions.Parse(args.Except(settings).ToArray());
        }
        catch (ArgumentException exception)
        {
            await output.WriteLineAsync($"agentrelay doctor: {exception.Message}");
            return 2;
        }

        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(settings)
            .Build();
        var backend = configuration.GetSection(BackendOptions.SectionName).Get<BackendOptions>() ?? new BackendOptions();
        var report = new DoctorReport(output);

        await output.WriteLineAsync("AgentRelay doctor");
        if (backend.Kind == BackendKind.ClaudeCli)
        {
            await CheckClaudeCliAsync(backend, report);
        }
        else
        {
            await report.OkAsync("backend", $"AnthropicApi at {backend.BaseUrl} (the claude CLI is not used)");
        }

        await CheckRedisAsync(configuration.GetConnectionString("redis"), report);
        await CheckPortAsync(options, report);
        foreach (var agent in AgentConfigs.All)
        {
            await CheckAgentAsync(agent, environment, options, report);
        }

        await output.WriteLineAsync(report.Failures == 0 ? "No problems found." : $"{report.Failures} problem(s) found.");
        return report.Failures == 0 ? 0 : 1;
    }

    private static async Task CheckClaudeCliAsync(BackendOptions backend, DoctorReport report)
    {
        if (ClaudeCliLocator.Resolve(backend.ClaudePath) is not { } path)
        {
            await report.FailAsync("claude CLI", $"'{backend.ClaudePath}' not found", $"install it: {CliFailures.InstallCommand}, or set --Backend:ClaudePath=<path>");
            return;
        }

        var environment = CliEnvironment.Build(CliEnvironment.Inherited(), backend.Environment, new Dictionary<string, string>());
        var (versionExit, version) = await RunAsync(path, ["--version"], environment);
        if (versionExit == -1)
        {
            await report.FailAsync("claude CLI", $"{path} --version did not answer within {s_probeTimeout.TotalSeconds} s", "run it by hand to see why");
            return;
        }

        if (versionExit != 0 || version.Length == 0)
        {
            await report.FailAsync("claude CLI", $"{path} --version failed (exit {versionExit})", $"reinstall it: {CliFailures.InstallCommand}");
            return;
        }

        await report.OkAsync("claude CLI", $"{path}, version {version.Split(' ', 2)[0]}");
        // As the proxy runs it: without settings files, whose env (e.g. from `agentrelay setup claude-code`) is no login.
        var (statusExit, status) = await RunAsync(path, ["--setting-sources", string.Empty, "auth", "status"], environment);
        if (statusExit == -1)
        {
            await report.FailAsync("claude login", $"`claude auth status` did not answer within {s_probeTimeout.TotalSeconds} s", "run `claude auth status` by hand to see why");
            return;
        }

        var loggedIn = TryParse(status) is { } json && json["loggedIn"]?.GetValue<bool>() == true;
        if (loggedIn)
        {
            await report.OkAsync("claude login", $"logged in ({TryParse(status)?["authMethod"]})");
        }
        else
        {
            await report.FailAsync("claude login", "not logged in", "run `claude login` once (as the user the proxy runs as)");
        }
    }

    private static async Task CheckRedisAsync(string? connectionString, DoctorReport report)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            await report.OkAsync("redis", "not configured: sessions and the concurrency limit stay in process (one replica)");
            return;
        }

        try
        {
            var redisOptions = ConfigurationOptions.Parse(connectionString);
            redisOptions.AbortOnConnectFail = true;
            redisOptions.ConnectTimeout = 3000;
            await using var redis = await ConnectionMultiplexer.ConnectAsync(redisOptions);
            var latency = await redis.GetDatabase().PingAsync();
            await report.OkAsync("redis", $"reachable, ping {latency.TotalMilliseconds:F0} ms");
        }
        catch (Exception exception) when (exception is RedisException or ArgumentException or TimeoutException)
        {
            await report.FailAsync("redis", $"ConnectionStrings:redis is set but Redis does not answer ({exception.GetType().Name})",
                "start redis-server, fix ConnectionStrings:redis, or unset it to keep state in process");
        }
    }

    private static async Task CheckPortAsync(CommandOptions options, DoctorReport report)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, options.Port);
            listener.Start();
            listener.Stop();
            await report.OkAsync("port", $"{options.Port} is free (start the proxy with `agentrelay` or `agentrelay serve --port {options.Port}`)");
            return;
        }
        catch (SocketException)
        {
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            var root = TryParse(await http.GetStringAsync(options.BaseUrl + "/"));
            if (root?["service"]?.ToString() is { } service && service.Contains("AgentRelay", StringComparison.OrdinalIgnoreCase))
            {
                await report.OkAsync("port", $"{options.Port}: AgentRelay is running there");
                return;
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
        }

        await report.FailAsync("port", $"{options.Port} is taken by another program", "stop it, or use another port: `agentrelay serve --port N` and `agentrelay setup <agent> --port N`");
    }

    private static async Task CheckAgentAsync(IAgentConfig agent, ToolEnvironment environment, CommandOptions options, DoctorReport report)
    {
        var path = agent.PathIn(environment);
        if (!File.Exists(path))
        {
            await report.InfoAsync(agent.Name, $"no config at {path}", $"`agentrelay setup {agent.Name}` to use it with AgentRelay");
        }
        else if (agent.PointsAt(await File.ReadAllTextAsync(path), options))
        {
            await report.OkAsync(agent.Name, $"{path} points at {options.BaseUrl}");
        }
        else
        {
            await report.WarnAsync(agent.Name, $"{path} does not point at {options.BaseUrl}", $"`agentrelay setup {agent.Name} --port {options.Port}`");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string path, string[] arguments, Dictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(path, arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(s_probeTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return (-1, string.Empty);
        }

        await stderr;
        return (process.ExitCode, (await stdout).Trim());
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
