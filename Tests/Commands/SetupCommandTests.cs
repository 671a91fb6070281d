using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Commands;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Commands;

/// <summary><c>agentrelay setup</c> against real files in a temp HOME: merge, backup, diff, idempotence, dry run.</summary>
public sealed class SetupCommandTests : IDisposable
{
    private readonly TempDirectory _home = new("relay-setup-");

    private ToolEnvironment Environment => new(_home.Path, _home.Combine(".config"), new Dictionary<string, string>());

    private async Task<(int ExitCode, string Output, string Error)> SetupAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await SetupCommand.RunAsync(args, Environment, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    private string[] Backups(string path) => Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".agentrelay-*.bak");

    [Theory]
    [InlineData("opencode", ".config/opencode/opencode.json", "http://127.0.0.1:4100/v1")]
    [InlineData("claude-code", ".claude/settings.json", "http://127.0.0.1:4100")]
    [InlineData("pi", ".pi/agent/models.json", "http://127.0.0.1:4100")]
    [InlineData("droid", ".factory/settings.json", "http://127.0.0.1:4100")]
    [InlineData("crush", ".config/crush/crush.json", "http://127.0.0.1:4100")]
    [InlineData("litellm", ".config/litellm/config.yaml", "api_base: http://127.0.0.1:4100")]
    public async Task Creates_the_agents_file_then_a_second_run_changes_nothing(string agent, string relativePath, string expected)
    {
        var path = _home.Combine(relativePath.Split('/'));

        var first = await SetupAsync(agent, "--port", "4100", "--api-key", "sk-secret-4100");
        var written = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        var second = await SetupAsync(agent, "--port", "4100", "--api-key", "sk-secret-4100");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains(expected, written, StringComparison.Ordinal);
        Assert.Contains("sk-secret-4100", written, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret-4100", first.Output, StringComparison.Ordinal);
        Assert.Contains("***", first.Output, StringComparison.Ordinal);
        Assert.Empty(Backups(path));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("nothing to change", second.Output, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Empty(Backups(path));
    }

    [Fact]
    public async Task Merging_keeps_the_users_settings_backs_up_the_old_file_and_prints_the_diff()
    {
        var path = _home.Combine(".config", "opencode", "opencode.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        const string original = """
            {
              // the user's own
              "model": "anthropic/claude-opus-4-1",
              "provider": { "anthropic": { "options": { "baseURL": "https://example.test/v1", "timeout": 5 } } },
              "theme": "dark",
            }
            """;
        await File.WriteAllTextAsync(path, original, TestContext.Current.CancellationToken);

        var (exitCode, output, _) = await SetupAsync("opencode", "--port", "4200");

        Assert.Equal(0, exitCode);
        var merged = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!;
        Assert.Equal("anthropic/claude-opus-4-1", merged["model"]!.GetValue<string>());
        Assert.Equal("dark", merged["theme"]!.GetValue<string>());
        Assert.Equal(5, merged["provider"]!["anthropic"]!["options"]!["timeout"]!.GetValue<int>());
        Assert.Equal("http://127.0.0.1:4200/v1", merged["provider"]!["anthropic"]!["options"]!["baseURL"]!.GetValue<string>());
        Assert.Equal("agentrelay", merged["provider"]!["anthropic"]!["options"]!["apiKey"]!.GetValue<string>());
        var backup = Assert.Single(Backups(path));
        Assert.Equal(original, await File.ReadAllTextAsync(backup, TestContext.Current.CancellationToken));
        Assert.Contains("https://example.test/v1", output, StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:4200/v1", output, StringComparison.Ordinal);
        Assert.Contains(backup, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dry_run_prints_the_change_and_writes_nothing()
    {
        var (exitCode, output, _) = await SetupAsync("pi", "--port", "4300", "--dry-run");

        Assert.Equal(0, exitCode);
        Assert.Contains("x-relay-agent", output, StringComparison.Ordinal);
        Assert.Contains("Dry run", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_home.Combine(".pi")));
    }

    [Fact]
    public async Task A_file_that_is_not_json_is_left_alone_with_a_clear_error()
    {
        var path = _home.Combine(".claude", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "{ not json", TestContext.Current.CancellationToken);

        var (exitCode, _, error) = await SetupAsync("claude-code");

        Assert.Equal(1, exitCode);
        Assert.Contains("not valid JSON", error, StringComparison.Ordinal);
        Assert.Equal("{ not json", await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken));
        Assert.Empty(Backups(path));
    }

    [Fact]
    public async Task Droid_keeps_other_custom_models_and_updates_its_own_entry_in_place()
    {
        var path = _home.Combine(".factory", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, """{"customModels":[{"model":"gpt-x","displayName":"Other","baseUrl":"https://x.test","apiKey":"k","provider":"openai"}]}""", TestContext.Current.CancellationToken);

        await SetupAsync("droid", "--port", "4400");
        var (_, output, _) = await SetupAsync("droid", "--port", "4401");

        var models = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!["customModels"]!.AsArray();
        Assert.Equal(2, models.Count);
        Assert.Equal("Other", models[0]!["displayName"]!.GetValue<string>());
        Assert.Equal("http://127.0.0.1:4401", models[1]!["baseUrl"]!.GetValue<string>());
        Assert.Equal("anthropic", models[1]!["provider"]!.GetValue<string>());
        Assert.Contains("custom:AgentRelay-1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiteLlm_entry_goes_into_an_existing_model_list_and_is_replaced_in_place()
    {
        var path = _home.Combine(".config", "litellm", "config.yaml");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, "model_list:\n  - model_name: other\n    litellm_params:\n      model: openai/gpt-x\ngeneral_settings:\n  master_key: sk-master\n", TestContext.Current.CancellationToken);

        await SetupAsync("litellm", "--port", "4500");
        await SetupAsync("litellm", "--port", "4501");

        var text = await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken);
        Assert.Single(text.Split('\n'), l => l.Contains("agentrelay:begin", StringComparison.Ordinal));
        Assert.Contains("api_base: http://127.0.0.1:4501\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("4500", text, StringComparison.Ordinal);
        Assert.Contains("model_name: other", text, StringComparison.Ordinal);
        Assert.Contains("master_key: sk-master", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("agentrelay:end", StringComparison.Ordinal) < text.IndexOf("general_settings", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new[] { "vim" }, "name one agent")]
    [InlineData(new string[0], "name one agent")]
    [InlineData(new[] { "pi", "--port", "99999" }, "--port must be")]
    [InlineData(new[] { "pi", "--colour" }, "Unknown option")]
    public async Task Bad_usage_is_exit_code_2_with_the_reason(string[] args, string reason)
    {
        var (exitCode, _, error) = await SetupAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    public void Dispose() => _home.Dispose();
}
