namespace AgentRelay.ProxyService.Commands;

/// <summary>What the <c>agentrelay</c> command line asks for: a command that runs and exits, or the proxy itself.</summary>
/// <param name="ServeArguments">The arguments the web host gets when the proxy is to run.</param>
/// <param name="Command">A command that is not the proxy (setup, doctor, help, version), or <see langword="null"/>.</param>
public sealed record ToolInvocation(string[] ServeArguments, Func<Task<int>>? Command);

/// <summary>
/// Reads the <c>agentrelay</c> command line. <c>agentrelay</c> and <c>agentrelay serve</c> run the proxy with the same
/// settings as the service (appsettings.json beside the executable, environment, <c>--Section:Key=value</c>);
/// <c>setup &lt;agent&gt;</c> and <c>doctor</c> run and exit. Arguments that start with <c>--</c> are the web host's,
/// so <c>dotnet run --project ProxyService</c> and the tests' hosts are unaffected.
/// </summary>
public static class ToolCommandLine
{
    /// <summary>The usage text printed by <c>agentrelay help</c>.</summary>
    public const string Usage = """
        agentrelay: AgentRelay, a proxy between coding agents and Claude.

        Usage:
          agentrelay [serve] [--port N] [--Section:Key=value ...]   run the proxy (default http://127.0.0.1:3456)
          agentrelay setup <agent> [--port N] [--api-key KEY] [--dry-run]
                                  point an agent at AgentRelay by writing or merging its own config file
                                  (agents: opencode, claude-code, pi, droid, crush, litellm)
          agentrelay doctor [--port N]   check the claude CLI, Redis, the port and the agents' configs
          agentrelay help | --version
        """;

    public static ToolInvocation Parse(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0)
        {
            return new ToolInvocation(ServeArguments([]), null);
        }

        return args[0] switch
        {
            "serve" => Serve(args[1..], error),
            "setup" => Run(() => SetupCommand.RunAsync(args[1..], ToolEnvironment.FromProcess(), output, error)),
            "doctor" => Run(() => DoctorCommand.RunAsync(args[1..], ToolEnvironment.FromProcess(), output)),
            "help" or "--help" or "-h" => Run(() => Write(output, Usage, 0)),
            "--version" => Run(() => Write(output, typeof(ToolCommandLine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0", 0)),
            _ when args[0].StartsWith('-') => new ToolInvocation(args, null),
            _ => Run(() => Write(error, $"agentrelay: unknown command '{args[0]}'.\n\n{Usage}", 2)),
        };
    }

    /// <summary>
    /// The web host's arguments for <c>agentrelay [serve]</c>: <c>--port N</c> becomes a loopback URL, and the content root
    /// is the executable's folder, so the packaged appsettings.json applies wherever the tool is started from.
    /// </summary>
    private static string[] ServeArguments(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (CommandOptions.TryReadValue(args, ref i, "--port") is { } port)
            {
                result.Add($"--urls=http://127.0.0.1:{CommandOptions.ParsePort(port)}");
            }
            else
            {
                result.Add(args[i]);
            }
        }

        if (!result.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)))
        {
            result.Add($"--contentRoot={AppContext.BaseDirectory}");
        }

        return [.. result];
    }

    private static ToolInvocation Serve(string[] args, TextWriter error)
    {
        try
        {
            return new ToolInvocation(ServeArguments(args), null);
        }
        catch (ArgumentException exception)
        {
            return Run(() => Write(error, $"agentrelay serve: {exception.Message}", 2));
        }
    }

    private static ToolInvocation Run(Func<Task<int>> command) => new([], command);

    private static async Task<int> Write(TextWriter writer, string text, int exitCode)
    {
        await writer.WriteLineAsync(text);
        return exitCode;
    }
}
