using AgentRelay.ProxyService.Commands.Setup;

namespace AgentRelay.ProxyService.Commands;

/// <summary>
/// <c>agentrelay setup &lt;agent&gt; [--port N] [--api-key KEY] [--dry-run]</c>: writes or merges the agent's own config
/// file so it talks to AgentRelay and is recognised as itself. Idempotent: a file that already says so is not touched.
/// Exit codes: 0 done (or nothing to do), 1 the existing file cannot be merged, 2 bad usage.
/// </summary>
public static class SetupCommand
{
    public static async Task<int> RunAsync(string[] args, ToolEnvironment environment, TextWriter output, TextWriter error)
    {
        CommandOptions options;
        try
        {
            options = CommandOptions.Parse(args);
        }
        catch (ArgumentException exception)
        {
            await error.WriteLineAsync($"agentrelay setup: {exception.Message}");
            return 2;
        }

        if (options.Positional.Count != 1 || AgentConfigs.Find(options.Positional[0]) is not { } agent)
        {
            await error.WriteLineAsync($"agentrelay setup: name one agent: {AgentConfigs.Names}.");
            return 2;
        }

        var path = agent.PathIn(environment);
        var before = File.Exists(path) ? await File.ReadAllTextAsync(path) : null;
        string after;
        try
        {
            after = agent.Apply(before, options);
        }
        catch (FormatException exception)
        {
            await error.WriteLineAsync($"agentrelay setup {agent.Name}: cannot merge into {path}: {exception.Message} Nothing was written; fix or move the file and run again.");
            return 1;
        }

        if (after == before)
        {
            await output.WriteLineAsync($"{agent.Name}: {path} already points at AgentRelay on {options.BaseUrl}; nothing to change.");
            await output.WriteLineAsync($"Run: {agent.NextStep(after, options)}");
            return 0;
        }

        await output.WriteLineAsync($"{agent.Name}: {(before is null ? "creating" : "updating")} {path}{(options.DryRun ? " (dry run)" : string.Empty)}");
        var backup = await ConfigFile.WriteAsync(path, before, after, options.DryRun, output);
        if (options.DryRun)
        {
            await output.WriteLineAsync("Dry run: nothing was written.");
            return 0;
        }

        if (backup is not null)
        {
            await output.WriteLineAsync($"Backup of the previous file: {backup}");
        }

        await output.WriteLineAsync($"{agent.Name} now talks to AgentRelay on {options.BaseUrl}. Run: {agent.NextStep(after, options)}");
        return 0;
    }
}
