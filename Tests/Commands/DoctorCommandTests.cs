using System.Net;
using System.Net.Sockets;
using AgentRelay.ProxyService.Commands;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Commands;

/// <summary><c>agentrelay doctor</c> with the real claude CLI, a real listener on the port and real config files.</summary>
public sealed class DoctorCommandTests : IDisposable
{
    private readonly TempDirectory _home = new("relay-doctor-");

    private ToolEnvironment Environment => new(_home.Path, _home.Combine(".config"), new Dictionary<string, string>());

    private async Task<(int ExitCode, string Output)> DoctorAsync(params string[] args)
    {
        var output = new StringWriter();
        var exitCode = await DoctorCommand.RunAsync(args, Environment, output);
        return (exitCode, output.ToString());
    }

    [Fact]
    public async Task Missing_claude_cli_and_a_port_taken_by_something_else_fail_with_their_fixes()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var port = ((IPEndPoint)other.LocalEndpoint).Port;

        var (exitCode, output) = await DoctorAsync("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--Backend:ClaudePath=/nonexistent/claude");

        Assert.Equal(1, exitCode);
        Assert.Contains("FAIL  claude CLI", output, StringComparison.Ordinal);
        Assert.Contains("npm install -g @anthropic-ai/claude-code", output, StringComparison.Ordinal);
        Assert.Contains($"FAIL  port         {port} is taken by another program", output, StringComparison.Ordinal);
        Assert.Contains("2 problem(s) found.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_cli_version_and_login_are_reported_and_configured_agents_are_recognised()
    {
        Assert.True(File.Exists(RepositoryPaths.ClaudeCli), $"The real claude CLI is missing at {RepositoryPaths.ClaudeCli}.");
        await SetupCommand.RunAsync(["pi", "--port", "4600"], Environment, TextWriter.Null, TextWriter.Null);
        await SetupCommand.RunAsync(["droid", "--port", "4999"], Environment, TextWriter.Null, TextWriter.Null);
        var cliHome = Directory.CreateDirectory(_home.Combine("cli-home")).FullName;

        var loggedOut = await DoctorAsync("--port", "4600", $"--Backend:ClaudePath={RepositoryPaths.ClaudeCli}", $"--Backend:Environment:HOME={cliHome}");
        var loggedIn = await DoctorAsync("--port", "4600", $"--Backend:ClaudePath={RepositoryPaths.ClaudeCli}", $"--Backend:Environment:HOME={cliHome}",
            "--Backend:Environment:ANTHROPIC_API_KEY=sk-doctor");

        Assert.Contains("ok    claude CLI", loggedOut.Output, StringComparison.Ordinal);
        Assert.Contains("version 2.1.330", loggedOut.Output, StringComparison.Ordinal);
        Assert.Contains("FAIL  claude login", loggedOut.Output, StringComparison.Ordinal);
        Assert.Contains("claude login", loggedOut.Output, StringComparison.Ordinal);
        Assert.Equal(1, loggedOut.ExitCode);
        Assert.Contains("ok    claude login logged in (api_key)", loggedIn.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-doctor", loggedIn.Output, StringComparison.Ordinal);
        Assert.Contains("ok    pi ", loggedIn.Output, StringComparison.Ordinal);
        Assert.Contains("warn  droid", loggedIn.Output, StringComparison.Ordinal);
        Assert.Contains("agentrelay setup droid --port 4600", loggedIn.Output, StringComparison.Ordinal);
        Assert.Contains("--    opencode", loggedIn.Output, StringComparison.Ordinal);
        Assert.Contains("ok    redis", loggedIn.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
