using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// The real <c>claude</c> CLI (npm <c>@anthropic-ai/claude-code</c> 2.1.330) behind the proxy on a real port, talking to
/// the fake Anthropic API; clients are the official npm SDK and HttpClient.
/// </summary>
public sealed class ClaudeCliEndToEndTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static JsonObject Body(string text, bool stream, string model = "claude-sonnet-4-6") => new()
    {
        ["model"] = model,
        ["max_tokens"] = 512,
        ["stream"] = stream,
        ["system"] = "You are the AgentRelay end-to-end test.",
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
    };

    private static JsonObject EchoTool() => new()
    {
        ["name"] = "echo",
        ["description"] = "Echo the given text back",
        ["input_schema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string" } },
            ["required"] = new JsonArray("text"),
        },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Official_sdk_gets_the_fake_upstream_reply_produced_by_the_real_cli(bool stream)
    {
        await using var proxy = await RealCliProxy.StartAsync();
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello through the real CLI.", id: "msg_upstream_1", chunks: 3)));

        var answer = await NodeClient.AnthropicMessagesAsync(proxy.BaseUrl, stream, Body("say hello", stream));

        Assert.Null(answer["error"]);
        var message = answer["message"]!;
        Assert.Equal("Hello through the real CLI.", message["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("end_turn", message["stop_reason"]!.GetValue<string>());
        Assert.StartsWith("msg_relay_", message["id"]!.GetValue<string>());
        Assert.Equal(11, message["usage"]!["input_tokens"]!.GetValue<int>());
        Assert.Equal(7, message["usage"]!["output_tokens"]!.GetValue<int>());
        if (stream)
        {
            var events = answer["events"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
            Assert.Equal("message_start", events[0]);
            Assert.Equal("message_stop", events[^1]);
            Assert.Single(events, e => e == "message_start");
        }

        // What the CLI sent upstream: its own request shape, our system prompt, the key from Backend:Environment.
        var upstream = Assert.Single(proxy.Upstream.Requests);
        Assert.Equal("/v1/messages?beta=true", upstream.PathAndQuery);
        Assert.Equal("sk-test", upstream.Headers["x-api-key"]);
        Assert.StartsWith("claude-cli/2.1.330", upstream.Headers["user-agent"], StringComparison.Ordinal);
        Assert.Equal("claude-sonnet-4-6", upstream.Body!["model"]!.GetValue<string>());
        Assert.Contains("You are the AgentRelay end-to-end test.", upstream.Body["system"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("say hello", upstream.Body["messages"]!.ToJsonString(), StringComparison.Ordinal);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task LiteLlm_tool_round_trip_returns_the_clients_own_tool_name_and_feeds_its_result_back()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_e2e", "mcp__litellm__echo", """{"text":"ping"}""")));
        var first = Body("echo ping please", stream: false);
        first["tools"] = new JsonArray(EchoTool());

        var response = await proxy.Http.SendAsync(AsLiteLlm(first), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        var toolUse = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("tool_use", toolUse["type"]!.GetValue<string>());
        Assert.Equal("echo", toolUse["name"]!.GetValue<string>());
        Assert.Equal("ping", toolUse["input"]!["text"]!.GetValue<string>());
        Assert.Equal("tool_use", message["stop_reason"]!.GetValue<string>());
        // The run stopped at the tool call: the CLI made no second upstream request.
        var firstUpstream = Assert.Single(proxy.Upstream.Requests);
        var offered = firstUpstream.Body!["tools"]!.AsArray().Single(t => t!["name"]!.GetValue<string>() == "mcp__litellm__echo")!;
        Assert.Equal("string", offered["input_schema"]!["properties"]!["text"]!["type"]!.GetValue<string>());

        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The tool said ECHO:ping.")));
        var second = Body("echo ping please", stream: true);
        second["tools"] = new JsonArray(EchoTool());
        second["messages"]!.AsArray().Add(new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(toolUse.DeepClone()) });
        second["messages"]!.AsArray().Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_e2e", ["content"] = "ECHO:ping" }),
        });

        var streamed = await proxy.Http.SendAsync(AsLiteLlm(second), Cancel);

        var events = SseEvents.Parse(await streamed.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("The tool said ECHO:ping.", SseEvents.Text(events));
        Assert.Equal("end_turn", events.Single(e => e.Event == "message_delta").Data["delta"]!["stop_reason"]!.GetValue<string>());
        var secondUpstream = proxy.Upstream.Requests.Last();
        var sentMessages = secondUpstream.Body!["messages"]!.ToJsonString();
        Assert.Contains("ECHO:ping", sentMessages, StringComparison.Ordinal);
        Assert.Contains("toolu_e2e", sentMessages, StringComparison.Ordinal);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    /// <summary>A request as LiteLLM sends it: the adapter names the MCP server <c>litellm</c> and passes tools through.</summary>
    private static HttpRequestMessage AsLiteLlm(JsonObject body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json(body) };
        request.Headers.TryAddWithoutValidation("user-agent", "litellm/1.52.0");
        request.Headers.TryAddWithoutValidation("x-litellm-session-id", "litellm-session-1");
        return request;
    }

    [Fact]
    public async Task Continued_session_resumes_a_fork_of_its_own_transcript_with_only_the_new_message()
    {
        // The cold path: no process is kept warm, so the second request must reach a new CLI through --resume.
        await using var proxy = await RealCliProxy.StartAsync();
        using var harness = new CliHarness(RepositoryPaths.ClaudeCli, new Dictionary<string, string>
        {
            ["ANTHROPIC_BASE_URL"] = proxy.Upstream.BaseUrl,
            ["ANTHROPIC_API_KEY"] = "sk-test",
            ["HOME"] = proxy.Home,
            ["TMPDIR"] = proxy.Tmp,
        }, new SessionsOptions { PoolSize = 0, MaxWarm = 0 });
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The first answer.")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The second answer.")));

        var first = await harness.RunAsync(CliHarness.Body("the first question"));
        var sessionId = Assert.IsType<BackendSessionEvent>(first[0]).SessionId;
        var body = CliHarness.Body("the second question");
        body["messages"] = JsonNode.Parse("""[{"role":"user","content":"the first question"},{"role":"assistant","content":"The first answer."},{"role":"user","content":"the second question"}]""");
        var continued = new SessionDecision("rs_test", "header:x-session-id", "continuation", SessionActions.Continue, 2, sessionId);
        var second = await harness.RunAsync(CliHarness.Request(body, session: continued));

        // A fork: the session the store names stays as it was, whatever happens to this run.
        Assert.NotEqual(sessionId, Assert.IsType<BackendSessionEvent>(second[0]).SessionId);
        Assert.Equal("The second answer.", CliHarness.Aggregate(second)["content"]![0]!["text"]!.GetValue<string>());
        var replayed = proxy.Upstream.Requests.Last().Body!["messages"]!.ToJsonString();
        Assert.Contains("the first question", replayed, StringComparison.Ordinal);
        Assert.Contains("The first answer.", replayed, StringComparison.Ordinal);
        Assert.Contains("the second question", replayed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(429, "rate_limit_error", false)]
    [InlineData(529, "overloaded_error", false)]
    [InlineData(429, "rate_limit_error", true)]
    public async Task Upstream_error_becomes_the_same_anthropic_error_with_one_upstream_request_per_proxy_attempt(int status, string type, bool stream)
    {
        await using var proxy = await RealCliProxy.StartAsync();
        proxy.Upstream.DefaultReply = Replies.Error(status, type, "the fake upstream refuses", retryAfter: "1");

        var response = await proxy.Http.PostAsync("/v1/messages", Json(Body("hi", stream)), Cancel);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = (await response.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal("error", error["type"]!.GetValue<string>());
        Assert.Equal(type, error["error"]!["type"]!.GetValue<string>());
        // CLAUDE_CODE_MAX_RETRIES=0 works: the CLI did not retry on its own (its default is 10 attempts, minutes long),
        // so the upstream saw exactly one request per attempt of AgentRelay's own, traced retry policy.
        var record = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=1", Cancel))![0]!;
        var attempts = record["attempts"]!.AsArray();
        Assert.Equal(4, attempts.Count);
        Assert.Equal("give_up", attempts[^1]!["decision"]!.GetValue<string>());
        Assert.Equal(attempts.Count, proxy.Upstream.Requests.Count);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Client_disconnect_interrupts_the_cli_and_it_is_gone_within_a_second()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        var slow = AnthropicStreams.Text(string.Concat(Enumerable.Repeat("word ", 200)), chunks: 200);
        proxy.Upstream.Enqueue(Replies.SseReply(slow, delay: TimeSpan.FromMilliseconds(100)));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json(Body("tell me a long story", stream: true)) };

        var response = await proxy.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
        while (await reader.ReadLineAsync(Cancel) is { } line && !line.Contains("text_delta", StringComparison.Ordinal))
        {
        }

        var pid = Assert.Single(proxy.Processes.RecentIds);
        Assert.False(Processes.IsStopped(pid));
        var disconnected = System.Diagnostics.Stopwatch.StartNew();
        response.Dispose();
        reader.Dispose();

        var gone = await Processes.WaitUntilAsync(() => Processes.IsGone(pid), TimeSpan.FromSeconds(5));
        Assert.True(gone is not null, $"CLI {pid} still there after 5 s ({Processes.State(pid)})");
        Assert.True(disconnected.Elapsed < TimeSpan.FromSeconds(1.5), $"took {disconnected.Elapsed}");
        Assert.NotNull(await Processes.WaitUntilAsync(() => proxy.Upstream.Aborted > 0, TimeSpan.FromSeconds(5)));
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Thinking_display_from_a_claude_code_client_is_not_passed_to_the_backend_cli()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        var body = Body("think", stream: false);
        body["thinking"] = new JsonObject { ["type"] = "enabled", ["budget_tokens"] = 2048, ["display"] = "updates" };

        var response = await proxy.Http.PostAsync("/v1/messages", Json(body), Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(proxy.Upstream.Requests);
    }

    [Fact]
    public async Task Health_reports_the_cli_path_and_version()
    {
        await using var proxy = await RealCliProxy.StartAsync();

        var health = (await proxy.Http.GetFromJsonAsync<JsonObject>("/health", Cancel))!;

        var backend = health["checks"]!["backend"]!;
        Assert.Equal("healthy", backend["status"]!.GetValue<string>());
        Assert.Equal("2.1.330", backend["data"]!["claudeVersion"]!.GetValue<string>());
        Assert.EndsWith("claude", backend["data"]!["claudePath"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_cli_is_unhealthy_and_answers_503_with_the_install_command()
    {
        await using var proxy = await RealCliProxy.StartAsync(claudePath: "/nonexistent/bin/claude");

        var health = await proxy.Http.GetAsync("/health", Cancel);
        var message = await proxy.Http.PostAsync("/v1/messages", Json(Body("hi", stream: true)), Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Contains("npm install -g @anthropic-ai/claude-code", await health.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, message.StatusCode);
        var error = (await message.Content.ReadFromJsonAsync<JsonObject>(Cancel))!;
        Assert.Equal("api_error", error["error"]!["type"]!.GetValue<string>());
        Assert.Contains("npm install -g @anthropic-ai/claude-code", error["error"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
