using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Sessions;
using AgentRelay.Tests.Infrastructure;
using AgentRelay.Tests.Backends.ClaudeCli;
using StackExchange.Redis;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// Conversations through the proxy with the real <c>claude</c> CLI (2.1.330) against the fake Anthropic API: what the
/// upstream receives on each turn must be the client's history as structured turns, on one replica or two, after an
/// undo, a divergence, and a Redis outage.
/// </summary>
public sealed class SessionEndToEndTests
{
    private const string ToolUseId = "toolu_sessions_1";
    private const string ClientResult = "ECHO:ping, as the client ran it";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Three_turns_with_a_client_tool_call_reach_the_upstream_as_structured_turns()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        var conversation = new CliConversation("litellm-three-turns");

        var (turn2, turn3) = await ThreeTurnsAsync(_ => proxy.Http, proxy.Upstream, conversation);

        UpstreamTurns.AssertStructuredToolRoundTrip(turn2, ToolUseId, ClientResult);
        UpstreamTurns.AssertStructuredToolRoundTrip(turn3, ToolUseId, ClientResult);
        AssertTurnThreeEnds(turn3);
        Assert.Contains("You are the AgentRelay sessions test.", turn2["system"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(["new", "continuation", "continuation"], await CliConversation.LineagesAsync(proxy.Http, 3, Cancel));
        Assert.NotNull(conversation.RelaySessions[0]);
        Assert.All(conversation.RelaySessions, id => Assert.Equal(conversation.RelaySessions[0], id));
        await proxy.AssertNoCliProcessLeftAsync();
    }

    [Fact]
    public async Task The_same_conversation_split_across_two_proxy_processes_sharing_one_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await FakeAnthropicServer.StartAsync();
        using var homes = new TempDirectory("relay-sessions-replicas-");
        var replicas = await Task.WhenAll(
            ProxyProcess.StartAsync(ReplicaSettings(upstream, redis, homes.Sub("a"))),
            ProxyProcess.StartAsync(ReplicaSettings(upstream, redis, homes.Sub("b"))));
        await using var a = replicas[0];
        await using var b = replicas[1];
        using var httpA = new HttpClient { BaseAddress = new Uri(a.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        using var httpB = new HttpClient { BaseAddress = new Uri(b.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        var conversation = new CliConversation("litellm-two-replicas");

        // Turn 1 on A, turns 2 and 3 on B: B has no file of A's; the client's history and Redis are enough.
        var (turn2, turn3) = await ThreeTurnsAsync(turn => turn == 1 ? httpA : httpB, upstream, conversation);

        UpstreamTurns.AssertStructuredToolRoundTrip(turn2, ToolUseId, ClientResult);
        UpstreamTurns.AssertStructuredToolRoundTrip(turn3, ToolUseId, ClientResult);
        AssertTurnThreeEnds(turn3);
        Assert.Equal(["new"], await CliConversation.LineagesAsync(httpA, 1, Cancel));
        Assert.Equal(["continuation", "continuation"], await CliConversation.LineagesAsync(httpB, 2, Cancel));
        Assert.All(conversation.RelaySessions, id => Assert.Equal(conversation.RelaySessions[0], id));
        Assert.NotNull(conversation.RelaySessions[0]);
    }

    [Fact]
    public async Task Undo_and_divergence_reach_the_upstream_as_the_clients_new_history()
    {
        await using var proxy = await RealCliProxy.StartAsync();
        var conversation = new CliConversation("litellm-undo");
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Hello Ada.")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Green, noted.")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Blue, noted.")));
        proxy.Upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("A fresh start.")));
        conversation.User("My name is Ada.");
        await conversation.SendAsync(proxy.Http, Cancel);
        conversation.User("My favourite colour is green.");
        await conversation.SendAsync(proxy.Http, Cancel);

        // Undo: the client drops the last exchange and says something else.
        conversation.Messages.RemoveAt(3);
        conversation.Messages.RemoveAt(2);
        conversation.User("My favourite colour is blue.");
        await conversation.SendAsync(proxy.Http, Cancel);
        var undo = proxy.Upstream.Requests.Last().Body!;

        // Diverged: the same session header, another history altogether.
        var diverged = new CliConversation("litellm-undo");
        diverged.User("Forget all that. I am Grace.");
        diverged.Messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = "Hello Grace." });
        diverged.User("What is my name?");
        await diverged.SendAsync(proxy.Http, Cancel);
        var divergedBody = proxy.Upstream.Requests.Last().Body!;

        Assert.Equal(
            [("user", "My name is Ada."), ("assistant", "Hello Ada."), ("user", "My favourite colour is blue.")],
            UpstreamTurns.Texts(undo));
        UpstreamTurns.AssertNoFlattenedHistory(undo);
        Assert.Equal(
            [("user", "Forget all that. I am Grace."), ("assistant", "Hello Grace."), ("user", "What is my name?")],
            UpstreamTurns.Texts(divergedBody));
        UpstreamTurns.AssertNoFlattenedHistory(divergedBody);
        Assert.Equal(["new", "continuation", "undo", "diverged"], await CliConversation.LineagesAsync(proxy.Http, 4, Cancel));
        Assert.Equal(conversation.RelaySessions[0], conversation.RelaySessions[2]);
        Assert.NotEqual(conversation.RelaySessions[0], diverged.RelaySessions[0]);
    }

    [Fact]
    public async Task Redis_stopped_mid_conversation_degrades_to_this_replica_and_the_conversation_continues_when_it_returns()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = await RealCliProxy.StartAsync(settings: new Dictionary<string, string> { ["ConnectionStrings:redis"] = redis.ConnectionString });
        var conversation = new CliConversation("litellm-outage");
        conversation.User("Count with me: one.");
        await conversation.SendAsync(proxy.Http, Cancel);
        conversation.User("two");
        await conversation.SendAsync(proxy.Http, Cancel);

        await redis.StopAsync();
        conversation.User("three");
        var outage = System.Diagnostics.Stopwatch.StartNew();
        await conversation.SendAsync(proxy.Http, Cancel);
        outage.Stop();
        var health = JsonNode.Parse(await proxy.Http.GetStringAsync("/health", Cancel))!;

        await redis.RestartAsync();
        await using var direct = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        // Past the fail-over period, with the proxy's connection back, the next turn goes through Redis again.
        await Task.Delay(FailoverSessionStore.FailOverPeriod, Cancel);
        conversation.User("four");
        await conversation.SendAsync(proxy.Http, Cancel);

        Assert.True(outage.Elapsed < TimeSpan.FromSeconds(30), $"the turn during the outage took {outage.Elapsed}");
        Assert.Equal("degraded", health["checks"]!["sessions"]!["status"]!.GetValue<string>());
        // During the outage the replica knew nothing (lineage new, history handed over as a transcript); back on Redis
        // the turn it stored in memory is newer than anything Redis has, and the conversation simply continues.
        Assert.Equal(["new", "continuation", "new", "continuation"], await CliConversation.LineagesAsync(proxy.Http, 4, Cancel));
        Assert.All(UpstreamTurns.Texts(proxy.Upstream.Requests.Last().Body!).Where(t => t.Role == "user").Select(t => t.Text), Assert.NotEmpty);
        Assert.Equal(7, UpstreamTurns.Texts(proxy.Upstream.Requests.Last().Body!).Count);
        var server = direct.GetServer(direct.GetEndPoints()[0]);
        Assert.Single(server.Keys(pattern: RedisSessionStore.KeyPrefix + "*"));
        var healthAfter = JsonNode.Parse(await proxy.Http.GetStringAsync("/health", Cancel))!;
        Assert.Equal("healthy", healthAfter["checks"]!["sessions"]!["status"]!.GetValue<string>());
    }

    /// <summary>Turn 1: the model calls the client's tool. Turn 2: the client's result. Turn 3: a text turn. The
    /// upstream request bodies of turns 2 and 3.</summary>
    private static async Task<(JsonObject Turn2, JsonObject Turn3)> ThreeTurnsAsync(Func<int, HttpClient> http, FakeAnthropicServer upstream, CliConversation conversation)
    {
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.ToolUse(ToolUseId, CliConversation.ModelToolName, """{"text":"ping"}""")));
        conversation.User("echo ping please");
        var first = await conversation.SendAsync(http(1), Cancel);
        Assert.Equal("tool_use", first["stop_reason"]!.GetValue<string>());
        Assert.Equal(CliConversation.ToolName, first["content"]!.AsArray().Single(b => b!["type"]!.GetValue<string>() == "tool_use")!["name"]!.GetValue<string>());

        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("The tool said ECHO:ping.")));
        conversation.ToolResult(ToolUseId, ClientResult);
        await conversation.SendAsync(http(2), Cancel);
        var turn2 = upstream.Requests.Last().Body!;

        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text("Nothing more to do.")));
        conversation.User("thanks, anything else?");
        var third = await conversation.SendAsync(http(3), Cancel);
        Assert.Equal("Nothing more to do.", third["content"]![0]!["text"]!.GetValue<string>());
        return (turn2, upstream.Requests.Last().Body!);
    }

    private static void AssertTurnThreeEnds(JsonObject turn3)
    {
        // The client's system prompt also reaches a resumed session (the CLI ignores initialize's then).
        Assert.Contains("You are the AgentRelay sessions test.", turn3["system"]!.ToJsonString(), StringComparison.Ordinal);
        var texts = UpstreamTurns.Texts(turn3);
        Assert.Contains(("assistant", "The tool said ECHO:ping."), texts);
        Assert.Equal("user", texts[^1].Role);
        Assert.EndsWith("thanks, anything else?", texts[^1].Text, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> ReplicaSettings(FakeAnthropicServer upstream, RedisServer redis, string directory) =>
        new(RealCli.BackendSettings(upstream.BaseUrl, Directory.CreateDirectory(Path.Combine(directory, "home")).FullName,
            Directory.CreateDirectory(Path.Combine(directory, "tmp")).FullName))
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
        };
}
