using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Runs one of the scripts in Tests/clients with Node and returns the JSON line it printed.</summary>
public static class NodeClient
{
    public static async Task<JsonObject> RunAsync(string script, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        if (!Directory.Exists(RepositoryPaths.ClientsNodeModules))
        {
            throw new InvalidOperationException($"Run 'npm ci' in {RepositoryPaths.Clients} first (the README's set-up does).");
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryPaths.Clients,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Clients, script));
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish: {await stderr}");
        }

        var line = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{script} printed nothing (exit {process.ExitCode}): {await stderr}");
        return JsonNode.Parse(line)!.AsObject();
    }
}
