using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Agents;

/// <summary>
/// The <c>agentrelay</c> global tool as a user gets it: <c>dotnet pack</c>, <c>dotnet tool install</c> (into a temp
/// <c>--tool-path</c>), <c>agentrelay setup opencode</c>, <c>agentrelay serve</c>; then the real OpenCode works through it.
/// </summary>
public sealed class GlobalToolTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Packed_tool_installed_sets_up_opencode_and_serves_it()
    {
        using var sandbox = new AgentSandbox();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        UpstreamScript.OneShot().Attach(upstream);
        var agentrelay = await PackAndInstallAsync(sandbox);
        var port = LoopbackPorts.Free();
        var apiKey = "sk-relay-" + Guid.NewGuid().ToString("N")[..12];
        var dotnetRoot = new Dictionary<string, string> { ["DOTNET_ROOT"] = DotnetRoot() };

        var setup = await sandbox.RunAsync(agentrelay, ["setup", "opencode", "--port", port.ToString(CultureInfo.InvariantCulture), "--api-key", apiKey], dotnetRoot, TimeSpan.FromSeconds(60));
        Assert.True(setup.ExitCode == 0, setup.Describe());
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(sandbox.Home, ".config", "opencode", "opencode.json"), Cancel))!;
        Assert.Equal($"http://127.0.0.1:{port}/v1", config["provider"]!["anthropic"]!["options"]!["baseURL"]!.GetValue<string>());

        var cliHome = sandbox.Sub("cli-home");
        var serve = sandbox.StartInfo(agentrelay,
        [
            "serve", "--port", port.ToString(CultureInfo.InvariantCulture),
            $"--Proxy:ApiKey={apiKey}",
            $"--Backend:ClaudePath={RepositoryPaths.ClaudeCli}",
            $"--Backend:Environment:ANTHROPIC_BASE_URL={upstream.BaseUrl}",
            "--Backend:Environment:ANTHROPIC_API_KEY=sk-upstream-test",
            $"--Backend:Environment:HOME={cliHome}",
            $"--Backend:Environment:TMPDIR={sandbox.Sub("cli-tmp")}",
        ], dotnetRoot);
        using var server = await StartServingAsync(serve, port);
        try
        {
            var run = await sandbox.RunAsync(AgentSandbox.Client("opencode"), ["run", "--format", "json", "Say hello to the AgentRelay tool test."]);

            Assert.True(run.ExitCode == 0, run.Describe() + "\nagentrelay:\n" + server.Output);
            Assert.Contains(UpstreamScript.Greeting, run.Stdout, StringComparison.Ordinal);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Add("x-api-key", apiKey);
            var records = JsonNode.Parse(await http.GetStringAsync("/telemetry/requests?limit=50", Cancel))!.AsArray()
                .OfType<JsonObject>().Where(r => r["path"]!.GetValue<string>() == "/v1/messages").ToList();
            AgentHarness.AssertAdapter(records, "opencode", "header:x-session-");
            Assert.All(upstream.Requests, r => Assert.StartsWith("claude-cli/", r.Headers["user-agent"], StringComparison.Ordinal));
        }
        finally
        {
            server.Stop();
        }
    }

    /// <summary><c>dotnet pack</c> (of the already built configuration) and <c>dotnet tool install --tool-path</c>.</summary>
    private static async Task<string> PackAndInstallAsync(AgentSandbox sandbox)
    {
        var packages = sandbox.Sub("nupkg");
        var tools = sandbox.Sub("tools");
        // Its own NuGet cache: a package of the same version cached from an earlier run must not stand in for this build.
        var nuget = new Dictionary<string, string> { ["NUGET_PACKAGES"] = sandbox.Sub("nuget-cache"), ["DOTNET_ROOT"] = DotnetRoot() };
        var project = Path.Combine(RepositoryPaths.Root, "ProxyService", "ProxyService.csproj");
        var pack = await sandbox.RunAsync("dotnet", ["pack", project, "--no-build", "-c", RepositoryPaths.Configuration, "-o", packages, "-v", "q"], nuget, TimeSpan.FromMinutes(3));
        Assert.True(pack.ExitCode == 0, "dotnet pack: " + pack.Describe());
        Assert.Single(Directory.GetFiles(packages, "AgentRelay.*.nupkg"));

        var install = await sandbox.RunAsync("dotnet", ["tool", "install", "AgentRelay", "--tool-path", tools, "--source", packages], nuget, TimeSpan.FromMinutes(3));
        Assert.True(install.ExitCode == 0, "dotnet tool install: " + install.Describe());
        var agentrelay = Path.Combine(tools, "agentrelay");
        Assert.True(File.Exists(agentrelay), install.Describe());
        return agentrelay;
    }

    private static async Task<ServingTool> StartServingAsync(ProcessStartInfo start, int port)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var server = new ServingTool(Process.Start(start)!);
        var listening = await Processes.WaitUntilAsync(() => server.Output.Contains($"Now listening on: http://127.0.0.1:{port}", StringComparison.Ordinal) || server.HasExited, TimeSpan.FromSeconds(120));
        if (listening is null || server.HasExited)
        {
            server.Stop();
            Assert.Fail("agentrelay serve did not start:\n" + server.Output);
        }

        return server;
    }

    /// <summary>Where the running SDK's <c>dotnet</c> lives, for the tool's launcher.</summary>
    private static string DotnetRoot() =>
        Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root
            ? root
            : Path.GetDirectoryName(Path.GetFullPath(new FileInfo(ClaudeCliLocatorResolve("dotnet")).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? ClaudeCliLocatorResolve("dotnet")))!;

    private static string ClaudeCliLocatorResolve(string name) =>
        AgentRelay.ProxyService.Backends.ClaudeCli.ClaudeCliLocator.Resolve(name) ?? throw new InvalidOperationException($"{name} is not on PATH.");

    /// <summary><c>agentrelay serve</c> as a process of this test, stopped with its tree by its own id.</summary>
    private sealed class ServingTool : IDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _output = new();

        public ServingTool(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Stop()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
