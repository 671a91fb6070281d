using System.Security.Cryptography;
using System.Text;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// What a CLI process is started with: everything that can only be set at spawn (arguments, environment, working
/// directory). Processes with the same <see cref="Key"/> are interchangeable, which makes it the pool's key.
/// </summary>
public sealed record CliSpawn(
    string FileName,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string?> Environment,
    string WorkingDirectory)
{
    /// <summary>A hash of everything above (the environment in name order).</summary>
    public string Key { get; } = KeyOf(FileName, Arguments, Environment, WorkingDirectory);

    /// <param name="lowPriority">Start it at a lowered CPU priority (a pooled process, see <see cref="CliPriority"/>).</param>
    public (CliProcess? Process, string? Error) Start(CliProcessRegistry registry, ILogger logger, bool lowPriority = false) =>
        CliProcess.Start(FileName, Arguments, Environment, WorkingDirectory, registry, logger, lowPriority);

    private static string KeyOf(string fileName, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment, string workingDirectory)
    {
        var text = new StringBuilder(fileName).Append('\0').Append(workingDirectory).Append('\0');
        foreach (var argument in arguments)
        {
            text.Append(argument).Append('\0');
        }

        foreach (var (name, value) in environment.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append('=').Append(value).Append('\0');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
