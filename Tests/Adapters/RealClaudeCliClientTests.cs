using AgentRelay.Tests.Infrastructure;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Adapters;

/// <summary>
/// The real Claude Code CLI (pinned 2.1.330) used as a client of the proxy, which forwards to the fake Anthropic API:
/// its own headers must select the <c>claude-code</c> adapter.
/// </summary>
public sealed class RealClaudeCliClientTests
{
    [Fact]
    public async Task Claude_cli_as_a_client_is_detected_from_its_own_headers()
    {
        RealCli.AssertInstalled();
        var cli = RepositoryPaths.ClaudeCli;
        await using var proxy = await KestrelProxy.StartAsync();
        var home = Directory.CreateTempSubdirectory("relay-cli-home-");
        try
        {
            var (exitCode, output) = await RunAsync(cli, proxy.BaseAddress, home.FullName);

            Assert.True(exitCode == 0, $"claude exited with {exitCode}: {output}");
            Assert.Contains("Hello from the fake upstream.", output);
            var records = JsonNode.Parse(await proxy.Client.GetStringAsync("/telemetry/requests?limit=50", TestContext.Current.CancellationToken))!.AsArray();
            var messages = records.OfType<JsonObject>().Where(record => record["path"]!.GetValue<string>() == "/v1/messages").ToList();
            Assert.NotEmpty(messages);
            Assert.All(messages, record =>
            {
                Assert.Equal("claude-code", record["adapter"]!.GetValue<string>());
                Assert.StartsWith("user-agent:claude-cli/2.1.330 (external", record["adapterReason"]!.GetValue<string>());
                Assert.Equal("header:x-claude-code-session-id", record["sessionKey"]!.GetValue<string>());
                Assert.Equal(200, record["status"]!.GetValue<int>());
            });
            var upstreamAgent = proxy.Upstream.Requests.First().Headers;
            Assert.False(upstreamAgent.ContainsKey("x-relay-agent"));
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string cli, Uri proxy, string home)
    {
        var start = new ProcessStartInfo(cli, ["-p", "say hi", "--output-format", "json", "--model", "claude-sonnet-4-6"])
        {
            WorkingDirectory = home,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH");
        start.Environment["HOME"] = home;
        start.Environment["TMPDIR"] = home;
        start.Environment["ANTHROPIC_BASE_URL"] = proxy.ToString().TrimEnd('/');
        start.Environment["ANTHROPIC_API_KEY"] = "sk-test";
        start.Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        start.Environment["DISABLE_AUTOUPDATER"] = "1";

        var (exitCode, stdout, stderr) = await Processes.RunAsync(start, TimeSpan.FromSeconds(20));
        return (exitCode, stdout + stderr);
    }
}
