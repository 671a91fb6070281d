using System.Globalization;

namespace AgentRelay.ProxyService.Commands;

/// <summary>The options <c>setup</c> and <c>doctor</c> share.</summary>
/// <param name="Port">The loopback port AgentRelay listens on (default 3456).</param>
/// <param name="ApiKey">The key agents send (<c>Proxy:ApiKey</c>), or <see langword="null"/> when the proxy has none.</param>
/// <param name="DryRun">Print what would change, write nothing.</param>
/// <param name="Positional">Arguments that are not options (the agent name).</param>
public sealed record CommandOptions(int Port, string? ApiKey, bool DryRun, IReadOnlyList<string> Positional)
{
    /// <summary>The port of <c>http://127.0.0.1:3456</c>, where the proxy listens by default.</summary>
    public const int DefaultPort = 3456;

    /// <summary>The proxy's origin, as agents must call it.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>What agents send as their key: the proxy's key, or a placeholder (agents insist on one; the proxy ignores it).</summary>
    public string AgentKey => ApiKey ?? "agentrelay";

    /// <exception cref="ArgumentException">An unknown option or a bad value, with a message for the user.</exception>
    public static CommandOptions Parse(string[] args)
    {
        var port = DefaultPort;
        string? apiKey = null;
        var dryRun = false;
        var positional = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (TryReadValue(args, ref i, "--port") is { } portText)
            {
                port = ParsePort(portText);
            }
            else if (TryReadValue(args, ref i, "--api-key") is { } key)
            {
                apiKey = key.Length > 0 ? key : throw new ArgumentException("--api-key needs a value.");
            }
            else if (args[i] == "--dry-run")
            {
                dryRun = true;
            }
            else if (args[i].StartsWith('-'))
            {
                throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
            else
            {
                positional.Add(args[i]);
            }
        }

        return new CommandOptions(port, apiKey, dryRun, positional);
    }

    /// <summary>Reads <c>--name value</c> or <c>--name=value</c> at <paramref name="index"/>, advancing past the value.</summary>
    public static string? TryReadValue(string[] args, ref int index, string name)
    {
        var arg = args[index];
        if (arg.StartsWith(name + "=", StringComparison.Ordinal))
        {
            return arg[(name.Length + 1)..];
        }

        if (arg != name)
        {
            return null;
        }

        if (index + 1 >= args.Length)
        {
            throw new ArgumentException($"{name} needs a value.");
        }

        index++;
        return args[index];
    }

    public static int ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"--port must be a number from 1 to 65535, not '{text}'.");
}
