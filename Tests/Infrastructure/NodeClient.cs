using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Runs the real npm clients in Tests/clients as separate Node processes against a real URL.</summary>
public static class NodeClient
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// One Messages request through the official <c>@anthropic-ai/sdk</c> (<c>anthropic-messages.mjs</c>). Returns
    /// <c>{"message":…,"events":[…]}</c> or <c>{"error":{"status","type","message"}}</c>.
    /// </summary>
    public static Task<JsonObject> AnthropicMessagesAsync(string baseUrl, bool stream, JsonObject body, string apiKey = "sk-client-test") =>
        RunAsync("anthropic-messages.mjs", [baseUrl, stream ? "stream" : "create"], body.ToJsonString(),
            new Dictionary<string, string> { ["RELAY_API_KEY"] = apiKey });

    /// <summary>
    /// One Chat Completions request through the official <c>openai</c> SDK (<c>openai-chat.mjs</c>); <paramref name="baseUrl"/>
    /// is the proxy's root. Returns <c>{"completion":…}</c>, for a stream <c>{"content","finish_reason","ids","chunks"}</c>,
    /// or <c>{"error":{"status","type","message"}}</c>.
    /// </summary>
    public static Task<JsonObject> OpenAIChatAsync(string baseUrl, bool stream, JsonObject body, string apiKey = "sk-client-test") =>
        RunAsync("openai-chat.mjs", [baseUrl.TrimEnd('/') + "/v1", stream ? "stream" : "create"], body.ToJsonString(),
            new Dictionary<string, string> { ["RELAY_API_KEY"] = apiKey });

    /// <summary>Runs a script with arguments and standard input; returns the JSON line it printed last.</summary>
    public static async Task<JsonObject> RunAsync(string script, IEnumerable<string> arguments, string input, IReadOnlyDictionary<string, string> environment)
    {
        Assert.True(Directory.Exists(RepositoryPaths.ClientsNodeModules), $"Run 'npm install' in {RepositoryPaths.Clients} first (the Tests build does: eng/install-test-prerequisites.sh).");
        var start = new ProcessStartInfo("node") { WorkingDirectory = RepositoryPaths.Clients };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The SDK must talk to the URL it is given, never to one inherited from the developer's shell.
        foreach (var name in new[] { "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var (exitCode, stdout, stderr) = await Processes.RunAsync(start, s_timeout, input);
        var line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        Assert.True(exitCode == 0 && line is not null, $"node {script} exited {exitCode}: {stderr}");
        return JsonNode.Parse(line!)!.AsObject();
    }
}
