using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>The driver against a scripted CLI process, for the cases the real CLI cannot easily be driven into.</summary>
public sealed partial class ClaudeCliProtocolTests
{
    private static readonly CancellationToken s_none = CancellationToken.None;

    private static JsonObject EchoTool() => new()
    {
        ["name"] = "echo",
        ["description"] = "Echo text",
        ["input_schema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string", ["description"] = "what to echo" } },
            ["required"] = new JsonArray("text"),
            ["additionalProperties"] = false,
        },
    };

    [Fact]
    public async Task Text_reply_becomes_one_message_with_a_unique_id_and_the_session_is_reported()
    {
        using var fake = new FakeCli(FakeCli.Start(), FakeCli.Turn(AnthropicStreams.Text("Hello there.", id: "msg_upstream")), FakeCli.Out(FakeCli.Result()));
        using var harness = CliHarness.For(fake);
        var body = CliHarness.Body();
        body["system"] = "Be brief.";

        var events = await harness.RunAsync(body, AgentPolicy.Default with { SystemPromptAddendum = "Addendum." });

        Assert.Equal(FakeCli.SessionId, Assert.IsType<BackendSessionEvent>(events[0]).SessionId);
        Assert.Empty(events.OfType<BackendFailure>());
        var message = CliHarness.Aggregate(events);
        Assert.StartsWith("msg_relay_", message["id"]!.GetValue<string>());
        Assert.Equal("Hello there.", message["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("end_turn", message["stop_reason"]!.GetValue<string>());
        // ping is not an event the CLI relays; a stray one must not reach the client either.
        Assert.DoesNotContain(events.OfType<MessageStreamEvent>(), e => e.Type == "ping");

        var initialize = fake.Inputs[0];
        Assert.Equal("initialize", initialize["request"]!["subtype"]!.GetValue<string>());
        Assert.Equal("Be brief.\n\nAddendum.", initialize["request"]!["systemPrompt"]![0]!.GetValue<string>());
        Assert.Null(initialize["request"]!["sdkMcpServers"]);
        var user = fake.Inputs[1];
        Assert.Equal("user", user["type"]!.GetValue<string>());
        Assert.Equal("hi", user["message"]!["content"]![0]!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Arguments_and_environment_follow_the_request_and_the_settings()
    {
        using var fake = new FakeCli(FakeCli.Start(), FakeCli.Turn(AnthropicStreams.Text("ok")), FakeCli.Out(FakeCli.Result()));
        var environment = fake.Environment;
        var home = Path.Combine(fake.WorkDirectory, "..", "home");
        environment["HOME"] = home;
        environment["CUSTOM_SETTING"] = "from-settings";
        environment["DISABLE_TELEMETRY"] = "0";
        using var harness = new CliHarness(FakeCli.Executable, environment);
        var body = CliHarness.Body(model: "claude-opus-4-1-20250805");
        body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 2048, ["display"] = "updates" };
        body["temperature"] = 0.2;
        var agent = AgentPolicy.Default with { BlockedBuiltinTools = ["Bash", "WebFetch"], WorkingDirectory = fake.WorkDirectory };
        // The conversation continues a CLI session whose transcript is on this replica's disk.
        body["messages"] = JsonNode.Parse("""[{"role":"user","content":"one"},{"role":"assistant","content":"two"},{"role":"user","content":"hi"}]""");
        const string resumed = "11111111-2222-4333-8444-555555555555";
        var transcript = CliTranscript.PathOf(home, fake.WorkDirectory, resumed);
        Directory.CreateDirectory(Path.GetDirectoryName(transcript)!);
        await File.WriteAllTextAsync(transcript, "{}\n", TestContext.Current.CancellationToken);
        var session = new SessionDecision("rs_1", "header:x-session-id", "continuation", SessionActions.Continue, 2, resumed);

        var events = await harness.RunAsync(CliHarness.Request(body, agent, session, beta: "claude-code-20250219,files-api-2025-04-14"));

        Assert.Empty(events.OfType<BackendFailure>());
        var arguments = fake.Arguments;
        Assert.Equal(["--output-format", "stream-json", "--verbose", "--input-format", "stream-json", "--include-partial-messages", "--permission-prompt-tool", "stdio"], arguments.Take(8));
        Assert.Contains("--model=claude-opus-4-1-20250805", arguments);
        // No settings files: a user's settings.json pointing Claude Code at the proxy must not loop the CLI back to it.
        Assert.Equal("", arguments.SkipWhile(a => a != "--setting-sources").Skip(1).First());
        Assert.Contains("--resume=11111111-2222-4333-8444-555555555555", arguments);
        Assert.Contains("--fork-session", arguments);
        Assert.Contains("--disallowedTools=Bash,WebFetch", arguments);
        Assert.Contains("--thinking=enabled", arguments);
        Assert.Contains("--max-thinking-tokens=2048", arguments);
        Assert.DoesNotContain(arguments, a => a.Contains("display", StringComparison.Ordinal) || a.Contains("updates", StringComparison.Ordinal));
        Assert.Equal(["--betas", "files-api-2025-04-14"], arguments.TakeLast(2));
        Assert.Equal(fake.WorkDirectory, fake.Launch["cwd"]!.GetValue<string>());

        Assert.Equal("256", fake.Env("CLAUDE_CODE_MAX_OUTPUT_TOKENS"));
        Assert.Equal("0", fake.Env("CLAUDE_CODE_MAX_RETRIES"));
        Assert.Equal("1", fake.Env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"));
        Assert.Equal("false", fake.Env("ENABLE_TOOL_SEARCH"));
        Assert.Equal("from-settings", fake.Env("CUSTOM_SETTING"));
        Assert.Equal("0", fake.Env("DISABLE_TELEMETRY"));

        // Resuming: the CLI has the history; only the new user message is written.
        Assert.Equal("hi", Assert.Single(fake.Inputs[1]["message"]!["content"]!.AsArray())!["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Internal_tool_turns_are_hidden_and_usage_is_summed_over_turns()
    {
        var toolTurn = new List<JsonObject>
        {
            AnthropicStreams.MessageStart("msg_t1", "claude-sonnet-4-6"),
            AnthropicStreams.BlockStart(0, new JsonObject { ["type"] = "text", ["text"] = "" }),
            AnthropicStreams.Delta(0, new JsonObject { ["type"] = "text_delta", ["text"] = "Let me look. " }),
            AnthropicStreams.BlockStop(0),
            AnthropicStreams.BlockStart(1, new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_read", ["name"] = "Read", ["input"] = new JsonObject() }),
            AnthropicStreams.Delta(1, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = """{"file_path":"/etc/hostname"}""" }),
            AnthropicStreams.BlockStop(1),
            AnthropicStreams.MessageDelta("tool_use", 5),
            new JsonObject { ["type"] = "message_stop" },
        };
        using var fake = new FakeCli(
            FakeCli.Start(),
            FakeCli.Turn(toolTurn),
            FakeCli.Out(FakeCli.CanUseTool("perm-1", "Read", "toolu_read", new JsonObject { ["file_path"] = "/etc/hostname" })),
            FakeCli.Await("control_response"),
            FakeCli.Turn(AnthropicStreams.Text("It says hello.", id: "msg_t2")),
            FakeCli.Out(FakeCli.Result()));
        using var harness = CliHarness.For(fake);

        var events = await harness.RunAsync(CliHarness.Body());

        var streamEvents = events.OfType<MessageStreamEvent>().ToList();
        Assert.Single(streamEvents, e => e.Type == "message_start");
        Assert.Single(streamEvents, e => e.Type == "message_delta");
        Assert.Single(streamEvents, e => e.Type == "message_stop");
        var message = CliHarness.Aggregate(events);
        Assert.Equal(["text", "text"], message["content"]!.AsArray().Select(b => b!["type"]!.GetValue<string>()));
        Assert.Equal("It says hello.", message["content"]![1]!["text"]!.GetValue<string>());
        Assert.Equal("end_turn", message["stop_reason"]!.GetValue<string>());
        Assert.Equal(22, message["usage"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal(12, message["usage"]!["output_tokens"]!.GetValue<int>());

        var permission = fake.Inputs.Single(i => i["type"]!.GetValue<string>() == "control_response");
        Assert.Equal("perm-1", permission["response"]!["request_id"]!.GetValue<string>());
        Assert.Equal("allow", permission["response"]!["response"]!["behavior"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Client_tool_call_ends_the_message_and_the_next_request_answers_the_pending_call_in_the_same_process(bool stream)
    {
        var toolTurn = AnthropicStreams.ToolUse("toolu_echo", "mcp__relay__echo", """{"text":"ping"}""");
        var call = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 2,
            ["method"] = "tools/call",
            ["params"] = new JsonObject
            {
                ["name"] = "echo",
                ["arguments"] = new JsonObject { ["text"] = "ping" },
                ["_meta"] = new JsonObject { ["claudecode/toolUseId"] = "toolu_echo" },
            },
        };
        using var fake = new FakeCli(
            FakeCli.Start(),
            // As the real CLI does: the permission question comes before the turn's message_delta, the call after it.
            FakeCli.Turn(toolTurn.Take(5)),
            FakeCli.Out(FakeCli.CanUseTool("perm-echo", "mcp__relay__echo", "toolu_echo", new JsonObject { ["text"] = "ping" })),
            FakeCli.Turn(toolTurn.Skip(5)),
            FakeCli.Await("control_response"),
            FakeCli.Out(FakeCli.McpMessage("mcp-call", "relay", call)),
            FakeCli.Await("control_response"),
            FakeCli.Turn(AnthropicStreams.Text("The tool said pong.")),
            FakeCli.Out(FakeCli.Result()));
        using var harness = CliHarness.For(fake);
        var body = CliHarness.Body("echo ping", stream);
        body["tools"] = new JsonArray(EchoTool(), new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search" });

        var events = await harness.RunAsync(body);

        Assert.Empty(events.OfType<BackendFailure>());
        var message = CliHarness.Aggregate(events);
        var block = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("tool_use", block["type"]!.GetValue<string>());
        Assert.Equal("echo", block["name"]!.GetValue<string>());
        Assert.Equal("toolu_echo", block["id"]!.GetValue<string>());
        Assert.Equal("ping", block["input"]!["text"]!.GetValue<string>());
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
        // The client's schema reached the CLI verbatim, as an in-process MCP server; the call was allowed and the
        // process is kept, waiting for the result.
        var initialize = fake.Inputs[0]["request"]!;
        Assert.Equal("relay", initialize["sdkMcpServers"]![0]!.GetValue<string>());
        var tool = Assert.Single(initialize["sdkMcpServerManifests"]!["relay"]!["toolsListResult"]!["tools"]!.AsArray())!;
        Assert.True(JsonNode.DeepEquals(EchoTool()["input_schema"], tool["inputSchema"]));
        // (The fake logs what it reads on its own time.)
        Assert.NotNull(await Processes.WaitUntilAsync(() => fake.Inputs.Any(i => i["type"]!.GetValue<string>() == "control_response"), TimeSpan.FromSeconds(5)));
        Assert.Equal("allow", fake.Inputs.Single(i => i["type"]!.GetValue<string>() == "control_response")["response"]!["response"]!["behavior"]!.GetValue<string>());
        Assert.DoesNotContain(fake.Inputs, i => i["request"]?["subtype"]?.GetValue<string>() == "interrupt");
        Assert.Equal(1, harness.Warm.Count);

        body["messages"]!.AsArray().Add(new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(block.DeepClone()) });
        body["messages"]!.AsArray().Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject
            {
                ["type"] = "tool_result",
                ["tool_use_id"] = "toolu_echo",
                ["is_error"] = true,
                ["content"] = new JsonArray(
                    new JsonObject { ["type"] = "text", ["text"] = "pong" },
                    new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = "image/png", ["data"] = "iVBORw0KGgo=" } }),
            }),
        });
        var second = await harness.RunAsync(body);

        Assert.Empty(second.OfType<BackendFailure>());
        Assert.Equal("The tool said pong.", CliHarness.Aggregate(second)["content"]![0]!["text"]!.GetValue<string>());
        var answer = fake.Inputs.Where(i => i["type"]!.GetValue<string>() == "control_response").Last()["response"]!;
        Assert.Equal("mcp-call", answer["request_id"]!.GetValue<string>());
        var result = answer["response"]!["mcp_response"]!["result"]!;
        Assert.Equal(2, answer["response"]!["mcp_response"]!["id"]!.GetValue<int>());
        Assert.True(result["isError"]!.GetValue<bool>());
        Assert.Equal("pong", result["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("image", result["content"]![1]!["type"]!.GetValue<string>());
        Assert.Equal("image/png", result["content"]![1]!["mimeType"]!.GetValue<string>());
        Assert.Equal("iVBORw0KGgo=", result["content"]![1]!["data"]!.GetValue<string>());
        // One process served both requests, and nothing but the one user message was ever written as a turn.
        Assert.Single(harness.Registry.RecentIds);
        Assert.Single(fake.Inputs, i => i["type"]!.GetValue<string>() == "user");
    }

    [Fact]
    public async Task Mcp_messages_and_unknown_control_requests_are_always_answered()
    {
        using var fake = new FakeCli(
            FakeCli.Start(),
            FakeCli.Out(FakeCli.McpMessage("mcp-1", "relay", new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/list" })),
            FakeCli.Await("control_response"),
            FakeCli.Out(new JsonObject { ["type"] = "control_request", ["request_id"] = "odd-1", ["request"] = new JsonObject { ["subtype"] = "something_new" } }),
            FakeCli.Await("control_response"),
            FakeCli.Turn(AnthropicStreams.Text("fine")),
            FakeCli.Out(FakeCli.Result()));
        using var harness = CliHarness.For(fake);
        var body = CliHarness.Body();
        body["tools"] = new JsonArray(EchoTool());

        var events = await harness.RunAsync(body);

        Assert.Empty(events.OfType<BackendFailure>());
        var answers = fake.Inputs.Where(i => i["type"]!.GetValue<string>() == "control_response").Select(i => i["response"]!).ToList();
        Assert.Equal(2, answers.Count);
        Assert.Equal("echo", answers[0]["response"]!["mcp_response"]!["result"]!["tools"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("error", answers[1]["subtype"]!.GetValue<string>());
        Assert.Equal("odd-1", answers[1]["request_id"]!.GetValue<string>());
    }
}
