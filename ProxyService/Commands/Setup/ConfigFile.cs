using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>Writes an agent's config file the careful way: the old file backed up first, the change printed with secrets masked.</summary>
public static partial class ConfigFile
{
    /// <summary>Prints the diff of <paramref name="before"/> → <paramref name="after"/>, then (unless a dry run) backs up and writes.</summary>
    /// <returns>The backup's path, or <see langword="null"/> when there was no file before or nothing was written.</returns>
    public static async Task<string?> WriteAsync(string path, string? before, string after, bool dryRun, TextWriter output)
    {
        foreach (var line in LineDiff.Changes(before, after))
        {
            await output.WriteLineAsync("  " + Masked(line));
        }

        if (dryRun)
        {
            return null;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string? backup = null;
        if (before is not null)
        {
            backup = $"{path}.agentrelay-{DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture)}.bak";
            File.Copy(path, backup, overwrite: false);
        }

        // Written beside the target and moved over it: an interrupted write never leaves half a config.
        var temporary = path + ".agentrelay-tmp";
        await File.WriteAllTextAsync(temporary, after);
        File.Move(temporary, path, overwrite: true);
        return backup;
    }

    /// <summary>A diff line with the values of key- and token-like settings replaced by <c>***</c>.</summary>
    public static string Masked(string line) => SecretValue().Replace(line, "$1***");

    [GeneratedRegex(@"((?:key|token|secret|password)""?\s*:\s*""?)[^""\s,]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretValue();
}
