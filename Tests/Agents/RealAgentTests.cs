using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// A real, pinned agent (Tests/clients) → AgentRelay → the real <c>claude</c> CLI → the fake Anthropic API, with the agent
/// configured by <c>agentrelay setup</c> in a temp HOME and run offline. Each agent is its own test class, so agents run
/// in parallel. What is asserted is what the agent and the fake upstream see, plus the adapter the proxy chose.
/// </summary>
public abstract class RealAgentTests
{
    /// <summary>The name <c>agentrelay setup</c> takes.</summary>
    protected abstract string SetupName { get; }

    /// <summary>The adapter AgentRelay must detect, and the start of its <c>adapterReason</c>.</summary>
    protected abstract (string Adapter, string ReasonPrefix) Expected { get; }

    /// <summary>The executable in Tests/clients/node_modules/.bin.</summary>
    protected abstract string Executable { get; }

    /// <summary>The agent's shell tool, by the name the agent gives it.</summary>
    protected abstract string ShellTool { get; }

    /// <summary>The proxy's CLI gets the agent's HOME (for Claude Code: its settings.json must not loop the CLI back).</summary>
    protected virtual bool CliSharesHome => false;

    protected abstract IEnumerable<string> Arguments(string prompt);

    protected abstract JsonObject ShellInput(string command);

    protected virtual IReadOnlyDictionary<string, string>? Environment => null;

    [Fact]
    public async Task One_shot_prompt_gets_the_upstream_answer_through_the_real_cli()
    {
        await using var harness = await AgentHarness.StartAsync(CliSharesHome);
        UpstreamScript.OneShot().Attach(harness.Relay.Upstream);
        await harness.SetupAsync(SetupName);
        const string prompt = "Say hello to the AgentRelay test.";

        var run = await harness.RunAsync(Executable, Arguments(prompt), Environment);

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains(UpstreamScript.Greeting, run.Stdout, StringComparison.Ordinal);
        await harness.AssertAdapterAsync(Expected.Adapter, Expected.ReasonPrefix);
        // The prompt went upstream through the real CLI (not the agent straight to the fake).
        var upstream = harness.Relay.Upstream.Requests.ToList();
        Assert.NotEmpty(upstream);
        Assert.All(upstream, r => Assert.StartsWith("claude-cli/", r.Headers["user-agent"], StringComparison.Ordinal));
        Assert.Contains(upstream, r => r.Body?["messages"]?.ToJsonString().Contains(prompt, StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Client_tool_round_trip_runs_the_agents_own_tool_once_on_the_client()
    {
        await using var harness = await AgentHarness.StartAsync(CliSharesHome);
        var probe = ProbeTool.Create();
        var modelToolName = $"mcp__{Expected.Adapter}__{ShellTool}";
        var script = UpstreamScript.ToolRoundTrip(modelToolName, ShellInput(probe.Command), probe.Output);
        script.Attach(harness.Relay.Upstream);
        await harness.SetupAsync(SetupName);

        var run = await harness.RunAsync(Executable, Arguments("Append a line to probe.txt with your shell tool."), Environment);

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Contains(UpstreamScript.FinalAnswer, run.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, script.ToolUses);
        // The tool ran exactly once, on the client, in the agent's working directory.
        Assert.True(File.Exists(harness.ProbeFile), "The agent never ran its shell tool.\n" + run.Describe());
        Assert.Equal([probe.Output], await File.ReadAllLinesAsync(harness.ProbeFile, TestContext.Current.CancellationToken));
        // Upstream: the model was offered the agent's own tool (as the CLI names a client tool), and the tool's real
        // output came back to it in a later request.
        var upstream = harness.Relay.Upstream.Requests.ToList();
        Assert.Contains(upstream, r => r.Body?["tools"] is JsonArray tools && tools.Any(t => t?["name"]?.GetValue<string>() == modelToolName));
        Assert.Contains(upstream, r => r.Body?["messages"]?.ToJsonString().Contains(probe.Output, StringComparison.Ordinal) == true);
        // ... as a real tool_result block answering the model's own call (its tool_use_id), with the client's output in
        // it, not flattened into text, and sent by the CLI process that made the call: the agent's follow-up request was
        // served by that warm process, which got the client's result as the answer to its pending tools/call.
        var results = upstream.SelectMany(r => ToolResults(r.Body)).ToList();
        var result = Assert.Single(results, block => block["tool_use_id"]?.GetValue<string>() == UpstreamScript.ToolUseId);
        Assert.Contains(probe.Output, result["content"]?.ToJsonString() ?? string.Empty, StringComparison.Ordinal);
        Assert.NotEqual(true, result["is_error"]?.GetValue<bool>());
        var records = await harness.Relay.MessageRecordsAsync();
        Assert.True(records.Any(r => r["runtime"]?.GetValue<string>() == "warm"),
            "no request was served by a warm CLI process: " + string.Join(", ", records.Select(r => r["runtime"]?.ToString() ?? "none")));
        await harness.AssertAdapterAsync(Expected.Adapter, Expected.ReasonPrefix);
    }

    /// <summary>The <c>tool_result</c> blocks of the last message of an upstream request (the turn the CLI sent).</summary>
    private static IEnumerable<JsonObject> ToolResults(JsonObject? body) =>
        body?["messages"] is JsonArray { Count: > 0 } messages && messages[^1]?["content"] is JsonArray blocks
            ? blocks.OfType<JsonObject>().Where(block => block["type"]?.GetValue<string>() == "tool_result")
            : [];
}
