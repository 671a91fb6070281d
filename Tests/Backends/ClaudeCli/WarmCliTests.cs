using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// Warm CLI processes with the real <c>claude</c> CLI behind the proxy and the fake Anthropic API: a conversation's
/// next turn and its client tool results go into the same live process; pool, eviction, timeouts and crashes.
/// </summary>
public sealed class WarmCliTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Second_turn_is_served_by_the_same_process_with_the_whole_structured_conversation_and_a_new_one_by_the_pool()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:PoolSize"] = "1" });
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The first answer.")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The second answer.")));
        var conversation = new JsonArray(User("the first question"));

        var first = await SendAsync(proxy, "conv-1", conversation, stream: true);
        var pid = Assert.Single(proxy.Warm.Pids);
        conversation.Add(new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(Text(first)) });
        conversation.Add(User("the second question"));
        var second = await SendAsync(proxy, "conv-1", conversation, stream: false);

        Assert.Equal("The first answer.", first);
        Assert.Equal("The second answer.", second);
        Assert.Equal([pid], proxy.Warm.Pids);
        // The CLI's own history went upstream as real turns: user, assistant, user, nothing flattened into text.
        var upstream = proxy.Upstream.Requests.Last().Body!["messages"]!.AsArray().Where(m => m!["role"]!.GetValue<string>() != "system").ToList();
        Assert.Equal(["user", "assistant", "user"], upstream.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Contains("the first question", upstream[0]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("The first answer.", upstream[1]!["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "text")!["text"]!.GetValue<string>());
        Assert.Contains("the second question", upstream[2]!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("conversation_history", upstream[2]!.ToJsonString(), StringComparison.Ordinal);

        // A new conversation takes the process the pool started meanwhile.
        Assert.NotNull(await Processes.WaitUntilAsync(() => proxy.Pool.Count == 1, TimeSpan.FromSeconds(30)));
        var pooled = proxy.Processes.RecentIds.Last();
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Another conversation.")));
        Assert.Equal("Another conversation.", await SendAsync(proxy, "conv-2", new JsonArray(User("something else")), stream: true));
        Assert.Contains(pooled, proxy.Warm.Pids);

        var runtimes = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=3", Cancel))!.AsArray()
            .Select(r => r!["runtime"]!.GetValue<string>()).Reverse();
        Assert.Equal(["cold", "warm", "pool"], runtimes);
        var metrics = await proxy.Http.GetStringAsync("/metrics", Cancel);
        Assert.Contains("relay_cli_processes_idle", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_cli_processes_pooled", metrics, StringComparison.Ordinal);
        Assert.Contains("relay_cli_processes_live", metrics, StringComparison.Ordinal);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Client_tool_results_reach_the_model_as_real_tool_result_blocks_from_the_same_process_single_and_parallel()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_one", "mcp__opencode__echo", """{"text":"ping"}""")));
        proxy.Upstream.Enqueue(Replies.SseReply(TwoToolUses()));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("All three tools answered.")));
        var conversation = new JsonArray(User("use the tools"));

        // Step 1: the model calls one client tool; the client gets it under its own name and the turn ends.
        var first = await SendForMessageAsync(proxy, "tools-1", conversation, stream: true);
        Assert.Equal("tool_use", first["stop_reason"]!.GetValue<string>());
        var call = Assert.Single(first["content"]!.AsArray())!;
        Assert.Equal("echo", call["name"]!.GetValue<string>());
        Assert.Equal("toolu_one", call["id"]!.GetValue<string>());
        var pid = Assert.Single(proxy.Warm.Pids);
        Assert.Single(proxy.Upstream.Requests);

        // Step 2: the client's result answers the CLI's pending call; the model then calls two tools at once.
        conversation.Add(new JsonObject { ["role"] = "assistant", ["content"] = first["content"]!.DeepClone() });
        conversation.Add(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(ToolResult("toolu_one", "ECHO:ping", isError: false)) });
        var second = await SendForMessageAsync(proxy, "tools-1", conversation, stream: false);

        var upstream2 = proxy.Upstream.Requests.ElementAt(1).Body!;
        var result = Assert.Single(ToolResults(upstream2));
        Assert.Equal("toolu_one", result["tool_use_id"]!.GetValue<string>());
        Assert.Contains("ECHO:ping", result["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("tool_use", second["stop_reason"]!.GetValue<string>());
        Assert.Equal(["toolu_a", "toolu_b"], second["content"]!.AsArray().Select(b => b!["id"]!.GetValue<string>()));
        Assert.Equal([pid], proxy.Warm.Pids);

        // Step 3: both results in one request; both reach the model, one marked as an error.
        conversation.Add(new JsonObject { ["role"] = "assistant", ["content"] = second["content"]!.DeepClone() });
        conversation.Add(new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(ToolResult("toolu_a", "result A", isError: false), ToolResult("toolu_b", "tool B failed", isError: true)),
        });
        var third = await SendForMessageAsync(proxy, "tools-1", conversation, stream: true);

        Assert.Equal("All three tools answered.", third["content"]![0]!["text"]!.GetValue<string>());
        var results = ToolResults(proxy.Upstream.Requests.ElementAt(2).Body!).TakeLast(2).ToList();
        Assert.Equal(["toolu_a", "toolu_b"], results.Select(r => r["tool_use_id"]!.GetValue<string>()));
        Assert.Contains("result A", results[0]["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("tool B failed", results[1]["content"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.True(results[1]["is_error"]?.GetValue<bool>());
        Assert.Equal([pid], proxy.Warm.Pids);
        Assert.Single(proxy.Processes.RecentIds);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Abandoned_tool_call_times_out_and_the_process_is_recycled_then_the_late_result_still_works()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:ToolResultTimeout"] = "00:00:01" });
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_late", "mcp__opencode__echo", """{"text":"ping"}""")));
        var conversation = new JsonArray(User("use the tool"));

        var first = await SendForMessageAsync(proxy, "late-1", conversation, stream: false);
        var pid = Assert.Single(proxy.Warm.Pids);

        Assert.NotNull(await Processes.WaitUntilAsync(() => Processes.IsGone(pid), TimeSpan.FromSeconds(15)));
        Assert.Empty(proxy.Warm.Pids);

        // The client comes back late: no live process holds the call any more; a new one serves the request.
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Late but fine.")));
        conversation.Add(new JsonObject { ["role"] = "assistant", ["content"] = first["content"]!.DeepClone() });
        conversation.Add(new JsonObject { ["role"] = "user", ["content"] = new JsonArray(ToolResult("toolu_late", "ECHO:ping", isError: false)) });
        var late = await SendForMessageAsync(proxy, "late-1", conversation, stream: true);
        Assert.Equal("Late but fine.", late["content"]![0]!["text"]!.GetValue<string>());
        Assert.DoesNotContain(pid, proxy.Warm.Pids);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Warm_processes_are_bounded_by_MaxWarm_least_recently_used_first_and_retired_when_idle()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string>
        {
            ["Sessions:MaxWarm"] = "1",
            ["Sessions:WarmIdle"] = "00:00:03",
        });

        Assert.Equal("Hello from the fake upstream.", await SendAsync(proxy, "a", new JsonArray(User("conversation a")), stream: true));
        var a = Assert.Single(proxy.Warm.Pids);
        // Another max_tokens, so another start-up: a's process cannot serve b (it would be recycled for b otherwise).
        Assert.Equal("Hello from the fake upstream.", await SendAsync(proxy, "b", new JsonArray(User("conversation b")), stream: true, maxTokens: 256));
        var b = Assert.Single(proxy.Warm.Pids);

        Assert.NotEqual(a, b);
        Assert.NotNull(await Processes.WaitUntilAsync(() => Processes.IsGone(a), TimeSpan.FromSeconds(5)));
        Assert.False(Processes.IsGone(b));
        // Idle for longer than Sessions:WarmIdle: retired.
        Assert.NotNull(await Processes.WaitUntilAsync(() => Processes.IsGone(b), TimeSpan.FromSeconds(15)));
        Assert.Empty(proxy.Warm.Pids);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task With_MaxWarm_reached_a_new_conversation_recycles_the_least_recently_used_process_and_gets_none_of_its_history()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:MaxWarm"] = "1", ["Sessions:PoolSize"] = "1" });
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Noted.")));
        var a = new JsonArray(User("the code word is KESTREL"));
        Assert.Equal("Noted.", await SendAsync(proxy, "a", a, stream: true));
        var pid = Assert.Single(proxy.Warm.Pids);
        Assert.NotNull(await Processes.WaitUntilAsync(() => proxy.Pool.ReadyCount == 1, TimeSpan.FromSeconds(30)));
        var pooled = Assert.Single(proxy.Processes.RecentIds, id => id != pid);

        // Keeping b would retire a's process: b gets it, recycled, ahead of the pooled one (which a start would replace).
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello, b.")));
        Assert.Equal("Hello, b.", await SendAsync(proxy, "b", new JsonArray(User("conversation b")), stream: false));
        Assert.Equal([pid], proxy.Warm.Pids);
        Assert.Equal(1, proxy.Pool.Count);
        Assert.Equal(new[] { pid, pooled }.Order(), proxy.Processes.RecentIds.Order());
        var record = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=1", Cancel))![0]!;
        Assert.Equal("pool", record["runtime"]!.GetValue<string>());
        Assert.True(record["runtimeRecycled"]!.GetValue<bool>());

        // Upstream, b is a conversation of its own: one user turn, nothing of a's; the same system prompt and tools.
        var first = proxy.Upstream.Requests.ElementAt(0).Body!;
        var recycled = proxy.Upstream.Requests.ElementAt(1).Body!;
        var messages = recycled["messages"]!.AsArray();
        Assert.Equal("user", Assert.Single(messages)!["role"]!.GetValue<string>());
        Assert.Contains("conversation b", messages.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("KESTREL", recycled.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Noted.", recycled.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("You are the AgentRelay warm process test.", recycled["system"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(first["tools"]!.ToJsonString(), recycled["tools"]!.ToJsonString());

        // a's next turn goes the cold way, with its whole history, on a new process.
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("It was KESTREL.")));
        a.Add(new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(Text("Noted.")) });
        a.Add(User("what was the code word?"));
        Assert.Equal("It was KESTREL.", await SendAsync(proxy, "a", a, stream: true));
        Assert.DoesNotContain(pid, proxy.Warm.Pids);
        var history = proxy.Upstream.Requests.ElementAt(2).Body!["messages"]!.AsArray();
        Assert.Equal(["user", "assistant", "user"], history.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Contains("KESTREL", history[0]!.ToJsonString(), StringComparison.Ordinal);
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task A_process_whose_CLI_ran_a_tool_of_its_own_is_never_recycled_for_another_conversation()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:MaxWarm"] = "1" });
        // The model calls Bash, a tool of the CLI's own (not the client's): the CLI answers it itself (here: refused,
        // built-ins are off) and asks again; such a process may hold state beyond its conversation.
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse("toolu_own", "Bash", """{"command":"echo hi"}""")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Done.")));
        Assert.Equal("Done.", await SendAsync(proxy, "a", new JsonArray(User("run something")), stream: true));
        var pid = Assert.Single(proxy.Warm.Pids);

        Assert.Equal("Hello from the fake upstream.", await SendAsync(proxy, "b", new JsonArray(User("conversation b")), stream: true));
        Assert.DoesNotContain(pid, proxy.Warm.Pids);
        var record = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=1", Cancel))![0]!;
        Assert.Equal("cold", record["runtime"]!.GetValue<string>());
        Assert.False(record["runtimeRecycled"]!.GetValue<bool>());
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task New_conversations_arriving_together_at_MaxWarm_each_get_a_kept_process_recycled()
    {
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["Sessions:MaxWarm"] = "2" });
        await SendAsync(proxy, "a", new JsonArray(User("conversation a")), stream: true);
        await SendAsync(proxy, "b", new JsonArray(User("conversation b")), stream: true);
        var kept = proxy.Warm.Pids.Order().ToList();
        Assert.Equal(2, kept.Count);

        // A process being recycled already counts for the conversation it will hold, so the second arrival does not see
        // room under MaxWarm for a new process while the first one clears.
        var replies = await Task.WhenAll(
            SendAsync(proxy, "c", new JsonArray(User("conversation c")), stream: true),
            SendAsync(proxy, "d", new JsonArray(User("conversation d")), stream: false));

        Assert.All(replies, reply => Assert.Equal("Hello from the fake upstream.", reply));
        Assert.Equal(kept, proxy.Warm.Pids.Order());
        Assert.Equal(kept, proxy.Processes.RecentIds.Order());
        var records = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=2", Cancel))!.AsArray();
        Assert.All(records, r => Assert.True(r!["runtimeRecycled"]!.GetValue<bool>()));
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task Warm_process_that_dies_mid_turn_gives_a_clean_error_and_the_retried_turn_works_on_a_new_process()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The first answer.")));
        var conversation = new JsonArray(User("the first question"));
        var first = await SendAsync(proxy, "crash-1", conversation, stream: true);
        var pid = Assert.Single(proxy.Warm.Pids);

        // The second turn's upstream call hangs until the CLI is killed.
        var release = new TaskCompletionSource();
        proxy.Upstream.Enqueue(async context =>
        {
            await release.Task.WaitAsync(context.RequestAborted);
        });
        conversation.Add(new JsonObject { ["role"] = "assistant", ["content"] = new JsonArray(Text(first)) });
        conversation.Add(User("the second question"));
        var pending = SendRawAsync(proxy, "crash-1", conversation, stream: true);
        Assert.NotNull(await Processes.WaitUntilAsync(() => proxy.Upstream.Requests.Count == 2, TimeSpan.FromSeconds(30)));
        System.Diagnostics.Process.GetProcessById(pid).Kill();

        var failed = await pending;
        var text = await failed.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal("api_error", JsonNode.Parse(text)!["error"]!["type"]!.GetValue<string>());
        release.TrySetResult();

        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The second answer.")));
        Assert.Equal("The second answer.", await SendAsync(proxy, "crash-1", conversation, stream: true));
        Assert.DoesNotContain(pid, proxy.Warm.Pids);
        var record = JsonNode.Parse(await proxy.Http.GetStringAsync("/telemetry/requests?limit=1", Cancel))![0]!;
        Assert.Equal("cold", record["runtime"]!.GetValue<string>());
        await proxy.AssertNoCliProcessLeftAsync();
    }

    private static List<JsonObject> TwoToolUses() =>
    [
        AnthropicStreams.MessageStart("msg_two", "claude-sonnet-4-6"),
        AnthropicStreams.BlockStart(0, new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_a", ["name"] = "mcp__opencode__echo", ["input"] = new JsonObject() }),
        AnthropicStreams.Delta(0, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = """{"text":"a"}""" }),
        AnthropicStreams.BlockStop(0),
        AnthropicStreams.BlockStart(1, new JsonObject { ["type"] = "tool_use", ["id"] = "toolu_b", ["name"] = "mcp__opencode__echo", ["input"] = new JsonObject() }),
        AnthropicStreams.Delta(1, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = """{"text":"b"}""" }),
        AnthropicStreams.BlockStop(1),
        AnthropicStreams.MessageDelta("tool_use", 20),
        new JsonObject { ["type"] = "message_stop" },
    ];

    private static IEnumerable<JsonObject> ToolResults(JsonObject upstreamBody) =>
        upstreamBody["messages"]!.AsArray().OfType<JsonObject>()
            .Where(m => m["role"]!.GetValue<string>() == "user" && m["content"] is JsonArray)
            .SelectMany(m => m["content"]!.AsArray().OfType<JsonObject>())
            .Where(b => b["type"]!.GetValue<string>() == "tool_result");

    internal static JsonObject User(string text) => new() { ["role"] = "user", ["content"] = text };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };

    private static JsonObject ToolResult(string id, string text, bool isError) => new()
    {
        ["type"] = "tool_result",
        ["tool_use_id"] = id,
        ["content"] = new JsonArray(Text(text)),
        ["is_error"] = isError,
    };

    private static JsonObject Body(JsonArray messages, bool stream, int maxTokens = 512) => new()
    {
        ["model"] = "claude-sonnet-4-6",
        ["max_tokens"] = maxTokens,
        ["stream"] = stream,
        ["system"] = "You are the AgentRelay warm process test.",
        ["messages"] = messages.DeepClone(),
        ["tools"] = new JsonArray(new JsonObject
        {
            ["name"] = "echo",
            ["description"] = "Echo the given text back",
            ["input_schema"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray("text"),
            },
        }),
    };

    internal static async Task<string> SendAsync(RealCliProxy proxy, string session, JsonArray messages, bool stream, int maxTokens = 512)
    {
        var message = await SendForMessageAsync(proxy, session, messages, stream, maxTokens);
        return string.Concat(message["content"]!.AsArray().Where(b => b!["type"]!.GetValue<string>() == "text").Select(b => b!["text"]!.GetValue<string>()));
    }

    /// <summary>One request as OpenCode sends it (its session header).</summary>
    private static async Task<HttpResponseMessage> SendRawAsync(RealCliProxy proxy, string session, JsonArray messages, bool stream, int maxTokens = 512)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = Json(Body(messages, stream, maxTokens)) };
        request.Headers.TryAddWithoutValidation("x-opencode-session", session);
        return await proxy.Http.SendAsync(request, Cancel);
    }

    /// <summary>One request as OpenCode sends it, the answer as one message either way.</summary>
    private static async Task<JsonObject> SendForMessageAsync(RealCliProxy proxy, string session, JsonArray messages, bool stream, int maxTokens = 512)
    {
        using var response = await SendRawAsync(proxy, session, messages, stream, maxTokens);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return stream ? Aggregate(text) : JsonNode.Parse(text)!.AsObject();
    }

    private static JsonObject Aggregate(string sse)
    {
        var aggregator = new MessageAggregator();
        foreach (var (_, data) in SseEvents.Parse(sse))
        {
            aggregator.Add(MessageStreamEvent.Create(data));
        }

        Assert.True(aggregator.Stopped, $"the stream did not end with message_stop: {sse}");
        return aggregator.Build();
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
