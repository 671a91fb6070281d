using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Security;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>The pure parts of the driver: model mapping, prompt, environment, request fields, classification, redaction.</summary>
public sealed class ClaudeCliMappingTests
{
    [Theory]
    [InlineData("claude-sonnet-4-6", "claude-sonnet-4-6")]
    [InlineData("claude-opus-4-1-20250805", "claude-opus-4-1-20250805")]
    [InlineData("claude-haiku-4-5", "claude-haiku-4-5")]
    [InlineData("claude-3-7-sonnet-20250219", "claude-3-7-sonnet-20250219")]
    [InlineData("claude-opus-4-6[1m]", "claude-opus-4-6[1m]")]
    [InlineData("opus", "opus")]
    [InlineData("Sonnet", "sonnet")]
    [InlineData("haiku", "haiku")]
    [InlineData("anthropic/claude-opus-latest", "opus")]
    [InlineData("my-haiku-model", "haiku")]
    [InlineData("gpt-4o", "sonnet")]
    [InlineData(null, "sonnet")]
    [InlineData("", "sonnet")]
    public void Model_ids_the_cli_accepts_pass_through_and_others_collapse_to_their_family(string? requested, string expected) =>
        Assert.Equal(expected, ClaudeModels.ToCliModel(requested));

    [Fact]
    public void Live_turn_keeps_its_blocks_and_the_system_prompt_joins_the_addendum()
    {
        var body = (JsonObject)JsonNode.Parse("""
            {
              "system": [{"type":"text","text":"You are terse."},{"type":"text","text":"Use tools.","cache_control":{"type":"ephemeral"}}],
              "messages": [
                {"role":"user","content":"read a.txt"},
                {"role":"assistant","content":[{"type":"text","text":"Reading."}]},
                {"role":"user","content":[
                  {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"}},
                  {"type":"text","text":"what does it say?","cache_control":{"type":"ephemeral"}}
                ]}
              ]
            }
            """)!;
        var start = CliColdStart.Plan(SessionDecision.Default, body["messages"]!.AsArray(), _ => false);

        var prompt = CliPrompt.Build(body, "Addendum.", start);

        Assert.Equal("You are terse.\n\nUse tools.\n\nAddendum.", prompt.SystemPrompt);
        Assert.NotNull(prompt.Content);
        Assert.Equal(2, prompt.Content.Count);
        Assert.Equal("image", prompt.Content[0]!["type"]!.GetValue<string>());
        Assert.Equal("what does it say?", prompt.Content[1]!["text"]!.GetValue<string>());
        Assert.Null(prompt.Content[1]!["cache_control"]);
        // The history is never flattened into text: it goes into the transcript.
        Assert.DoesNotContain("conversation_history", prompt.Content.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(2, start.Transcript.Count);
    }

    [Fact]
    public void Interrupted_turn_writes_nothing_live()
    {
        var body = (JsonObject)JsonNode.Parse("""{"messages":[{"role":"user","content":"one"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"echo","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"r"}]}]}""")!;
        var start = CliColdStart.Plan(SessionDecision.Default, body["messages"]!.AsArray(), _ => false);

        var prompt = CliPrompt.Build(body, null, start);

        Assert.Null(prompt.SystemPrompt);
        Assert.Null(prompt.Content);
    }

    [Fact]
    public void Environment_strips_inherited_credentials_and_layers_settings_over_defaults()
    {
        var inherited = new Dictionary<string, string?>
        {
            ["PATH"] = "/usr/bin",
            ["ANTHROPIC_API_KEY"] = "sk-caller",
            ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:3456",
            ["ANTHROPIC_AUTH_TOKEN"] = "token",
            ["CLAUDE_CODE_MAX_RETRIES"] = "10",
        };
        var configured = new Dictionary<string, string> { ["ANTHROPIC_BASE_URL"] = "http://127.0.0.1:9999", ["HOME"] = "/tmp/h" };
        var perRequest = new Dictionary<string, string> { ["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] = "100" };

        var environment = CliEnvironment.Build(inherited, configured, perRequest);

        Assert.Equal("/usr/bin", environment["PATH"]);
        Assert.False(environment.ContainsKey("ANTHROPIC_API_KEY"));
        Assert.False(environment.ContainsKey("ANTHROPIC_AUTH_TOKEN"));
        Assert.Equal("http://127.0.0.1:9999", environment["ANTHROPIC_BASE_URL"]);
        Assert.Equal("/tmp/h", environment["HOME"]);
        Assert.Equal("0", environment["CLAUDE_CODE_MAX_RETRIES"]);
        Assert.Equal("1", environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"]);
        Assert.Equal("1", environment["DISABLE_AUTOUPDATER"]);
        Assert.Equal("1", environment["DISABLE_TELEMETRY"]);
        Assert.Equal("1", environment["DISABLE_ERROR_REPORTING"]);
        Assert.Equal("1", environment["BUN_GC_TIMER_DISABLE"]);
        Assert.Equal("100", environment["CLAUDE_CODE_MAX_OUTPUT_TOKENS"]);
    }

    [Fact]
    public void Request_fields_the_cli_cannot_honour_are_listed_as_ignored()
    {
        var body = (JsonObject)JsonNode.Parse("""
            {"model":"sonnet","max_tokens":10,"messages":[{"role":"user","content":"x"}],"temperature":0.5,"stop_sequences":["END"],
             "tool_choice":{"type":"auto"},"thinking":{"type":"adaptive","display":"updates"},"output_config":{"effort":"high","format":{}}}
            """)!;

        var invocation = CliInvocation.Create(CliHarness.Request(body, beta: "oauth-2025-04-20"), CliColdStart.FromHistory(body["messages"]!.AsArray()));

        Assert.Contains("--thinking=adaptive", invocation.Arguments);
        Assert.Contains("--effort=high", invocation.Arguments);
        Assert.DoesNotContain("--betas", invocation.Arguments);
        Assert.Equal(
            ["thinking.display", "output_config.format", "anthropic-beta:oauth-2025-04-20", "temperature", "stop_sequences", "tool_choice"],
            invocation.Ignored);
    }

    [Theory]
    [InlineData("Not logged in · Please run /login", 401)]
    [InlineData("Claude AI usage limit reached: rate limit", 429)]
    [InlineData("API Error: Overloaded", 529)]
    [InlineData("Request timed out", 504)]
    [InlineData("Something weird happened", null)]
    public void Text_fallback(string text, int? status) => Assert.Equal(status, CliFailures.FromText(text)?.Status);

    [Fact]
    public void Successful_result_is_no_failure_and_max_turns_is_one()
    {
        Assert.Null(CliFailures.FromResult(FakeCli.Result(), null));
        var maxTurns = CliFailures.FromResult(FakeCli.Result("error_max_turns", isError: true, text: null), null);
        Assert.Equal(AnthropicErrorTypes.Api, maxTurns!.Type);
    }

    [Theory]
    [InlineData("key sk-ant-api03-abcdefghijklmnop end", "key sk-*** end")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "Authorization: Bearer ***")]
    [InlineData("{\"api_key\": \"s3cr3tvalue\"}", "{\"api_key\": \"***\"}")]
    [InlineData("nothing to hide", "nothing to hide")]
    public void Secrets_are_masked_in_captured_output(string text, string expected) => Assert.Equal(expected, AgentRelay.ProxyService.Security.SecretRedactor.RedactPatterns(text));

    [Fact]
    public void Tool_names_follow_the_cli_mcp_naming()
    {
        Assert.Equal("mcp__my-srv_v2__Tool_With_Dots", McpToolServer.ModelName("my-srv.v2", "Tool.With.Dots"));
        var server = McpToolServer.From(JsonNode.Parse("""[{"name":"file.read","input_schema":{"type":"object"}}]""")!.AsArray(), "relay")!;
        Assert.Equal("file.read", server.ClientName("mcp__relay__file_read"));
        Assert.Null(server.ClientName("Read"));
    }
}
