using AgentRelay.ProxyService.Commands;

namespace AgentRelay.Tests.Commands;

/// <summary>How <c>agentrelay</c>'s arguments split into a command or the proxy's own host arguments.</summary>
public sealed class ToolCommandLineTests
{
    [Fact]
    public void Host_arguments_run_the_proxy_unchanged()
    {
        string[] args = ["--urls=http://127.0.0.1:0", "--Backend:Kind=AnthropicApi"];

        var invocation = ToolCommandLine.Parse(args, TextWriter.Null, TextWriter.Null);

        Assert.Null(invocation.Command);
        Assert.Equal(args, invocation.ServeArguments);
    }

    [Theory]
    [InlineData("")]
    [InlineData("serve")]
    public void Bare_or_serve_runs_the_proxy_with_the_packaged_settings(string commandLine)
    {
        var invocation = ToolCommandLine.Parse(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries), TextWriter.Null, TextWriter.Null);

        Assert.Null(invocation.Command);
        Assert.Equal([$"--contentRoot={AppContext.BaseDirectory}"], invocation.ServeArguments);
    }

    [Fact]
    public void Serve_port_becomes_a_loopback_url_and_settings_pass_through()
    {
        var invocation = ToolCommandLine.Parse(["serve", "--port", "4711", "--Proxy:ApiKey=k"], TextWriter.Null, TextWriter.Null);

        Assert.Equal(["--urls=http://127.0.0.1:4711", "--Proxy:ApiKey=k", $"--contentRoot={AppContext.BaseDirectory}"], invocation.ServeArguments);
    }

    [Fact]
    public async Task Serve_with_a_bad_port_is_refused_with_exit_code_2()
    {
        var error = new StringWriter();

        var exitCode = await ToolCommandLine.Parse(["serve", "--port", "http"], TextWriter.Null, error).Command!();

        Assert.Equal(2, exitCode);
        Assert.Contains("--port must be a number", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_command_prints_the_usage_and_exits_2()
    {
        var error = new StringWriter();

        var invocation = ToolCommandLine.Parse(["frobnicate"], TextWriter.Null, error);
        var exitCode = await invocation.Command!();

        Assert.Equal(2, exitCode);
        Assert.Contains("unknown command 'frobnicate'", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("agentrelay setup <agent>", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_command()
    {
        var output = new StringWriter();

        var exitCode = await ToolCommandLine.Parse(["help"], output, TextWriter.Null).Command!();

        Assert.Equal(0, exitCode);
        Assert.All(new[] { "serve", "setup", "doctor", "opencode, claude-code, pi, droid, crush, litellm" },
            word => Assert.Contains(word, output.ToString(), StringComparison.Ordinal));
    }
}
