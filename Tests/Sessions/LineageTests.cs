using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Sessions;

namespace AgentRelay.Tests.Sessions;

/// <summary>
/// Lineage, table-driven: every class of PROXY-SPEC §3.4 and every session flaw of §13 the port fixes. A conversation
/// is written as letters: <c>u1</c> is a user message, <c>a1</c> an assistant message, the same letters the same
/// message. <c>stored</c> is what the last successful request held.
/// </summary>
public sealed class LineageTests
{
    public static TheoryData<string, string, string, string> Classes => new()
    {
        // name, stored, incoming, expected lineage
        { "nothing stored", "", "u1", Lineages.New },
        { "one more exchange", "u1", "u1 a1 u2", Lineages.Continuation },
        { "several more", "u1 a1 u2", "u1 a1 u2 a2 u3 a3 u4", Lineages.Continuation },
        { "identical retry (§13: was diverged and deleted the entry)", "u1 a1 u2", "u1 a1 u2", Lineages.Continuation },
        { "modified continuation: same start, changed middle, longer", "u1 a1 u2", "u1 a1 x2 a2 u3", Lineages.Continuation },
        { "undo: last exchange dropped, something else said", "u1 a1 u2 a2 u3", "u1 a1 x3", Lineages.Undo },
        { "undo: last message rewritten", "u1 a1 u2", "u1 a1 x2", Lineages.Undo },
        { "undo: back to the first message, rewritten", "u1 a1 u2", "x1", Lineages.Diverged },
        { "compaction: summary replaces the start, tail kept", "u1 a1 u2 a2 u3 a3 u4", "s1 a3 u4 a4 u5", Lineages.Compaction },
        { "compaction needs 6 stored", "u1 a1 u2 a2 u3", "s1 u3 a3 u4", Lineages.Diverged },
        { "false compaction from set overlap (#283): scattered equal messages", "u1 a1 u2 a2 u3 a3 u4", "x1 u4 y1 a3 z1", Lineages.Diverged },
        { "diverged: nothing in common", "u1 a1 u2", "x1 b1 x2", Lineages.Diverged },
    };

    [Theory]
    [MemberData(nameof(Classes))]
    public void Classifies(string name, string stored, string incoming, string expected)
    {
        var result = LineageClassifier.Classify(State(stored), Hashes(incoming));

        Assert.True(expected == result.Lineage, $"{name}: expected {expected}, got {result.Lineage}");
    }

    [Fact]
    public void Identical_request_is_recognised_as_a_retry_not_a_continuation_with_new_messages()
    {
        var retry = LineageClassifier.Classify(State("u1 a1 u2"), Hashes("u1 a1 u2"));
        var more = LineageClassifier.Classify(State("u1 a1 u2"), Hashes("u1 a1 u2 a2 u3"));

        Assert.True(retry.IsRetry);
        Assert.False(retry.StrictPrefix);
        Assert.False(more.IsRetry);
        Assert.True(more.StrictPrefix);
        Assert.Equal(3, more.PrefixOverlap);
    }

    [Fact]
    public void Multi_block_and_multi_message_assistant_turns_align_by_position()
    {
        // §13.6: the reference appended one uuid per assistant message and misaligned multi-message turns. Here every
        // message has its own hash at its own position, whatever it holds.
        var messages = Parse("""
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[{"type":"text","text":"step"},{"type":"tool_use","id":"t1","name":"read","input":{"p":"a"}},{"type":"tool_use","id":"t2","name":"read","input":{"p":"b"}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"A"},{"type":"tool_result","tool_use_id":"t2","content":"B"}]},
             {"role":"assistant","content":"part one"},
             {"role":"assistant","content":"part two"},
             {"role":"user","content":"next"}]
            """);
        var stored = StateOf(messages, 3);

        var continued = LineageClassifier.Classify(stored, MessageHashes.Of(messages));
        var undone = LineageClassifier.Classify(StateOf(messages, 6), MessageHashes.Of(Parse("""
            [{"role":"user","content":"go"},
             {"role":"assistant","content":[{"type":"text","text":"step"},{"type":"tool_use","id":"t1","name":"read","input":{"p":"a"}},{"type":"tool_use","id":"t2","name":"read","input":{"p":"b"}}]},
             {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"A"},{"type":"tool_result","tool_use_id":"t2","content":"B"}]},
             {"role":"assistant","content":"part one"},
             {"role":"user","content":"something else"}]
            """)));

        Assert.Equal(Lineages.Continuation, continued.Lineage);
        Assert.True(continued.StrictPrefix);
        Assert.Equal(Lineages.Undo, undone.Lineage);
        Assert.Equal(4, undone.PrefixOverlap);
    }

    [Fact]
    public void Cache_control_and_string_versus_text_block_do_not_change_hashes()
    {
        var plain = MessageHashes.Of(Parse("""[{"role":"user","content":"hello"}]"""));
        var blocks = MessageHashes.Of(Parse("""[{"role":"user","content":[{"type":"text","text":"hello","cache_control":{"type":"ephemeral"}}]}]"""));
        var other = MessageHashes.Of(Parse("""[{"role":"assistant","content":"hello"}]"""));

        Assert.Equal(plain, blocks);
        Assert.NotEqual(plain, other);
        Assert.Equal(32, plain[0].Length);
    }

    [Fact]
    public void Fingerprint_is_the_working_directory_and_first_user_text()
    {
        var messages = Parse("""[{"role":"user","content":[{"type":"text","text":"fix "},{"type":"text","text":"the bug"}]},{"role":"assistant","content":"ok"}]""");

        var here = MessageHashes.Fingerprint(messages, "/repo");
        var there = MessageHashes.Fingerprint(messages, "/other");
        var sameText = MessageHashes.Fingerprint(Parse("""[{"role":"user","content":"fix the bug"}]"""), "/repo");

        Assert.Equal(16, here!.Length);
        Assert.NotEqual(here, there);
        Assert.Equal(here, sameText);
        Assert.Null(MessageHashes.Fingerprint(Parse("""[{"role":"user","content":[{"type":"image","source":{}}]}]"""), "/repo"));
    }

    public static TheoryData<string, string, string, string, int> Decisions => new()
    {
        // name, stored, incoming, expected action, new messages from
        { "first message", "", "u1", SessionActions.None, 0 },
        { "new conversation arriving with history", "", "u1 a1 u2", SessionActions.Synthesize, 0 },
        { "the reply the proxy gave, then the next user message", "u1|a1", "u1 a1 u2", SessionActions.Continue, 2 },
        { "reply, then two user messages", "u1 a1 u2|a2", "u1 a1 u2 a2 u3 u4", SessionActions.Continue, 4 },
        { "the client changed the reply", "u1|a1", "u1 x1 u2", SessionActions.Synthesize, 0 },
        { "an assistant message among the new ones", "u1|a1", "u1 a1 u2 a2 u3", SessionActions.Synthesize, 0 },
        { "identical retry", "u1 a1 u2|a2", "u1 a1 u2", SessionActions.Synthesize, 0 },
        { "undo", "u1 a1 u2 a2 u3|a3", "u1 a1 x3", SessionActions.Fork, 0 },
        { "diverged", "u1 a1 u2|a2", "x1 b1 x2", SessionActions.Synthesize, 0 },
        { "compaction", "u1 a1 u2 a2 u3 a3 u4|a4", "s1 a3 u4 a4 u5", SessionActions.Synthesize, 0 },
    };

    [Theory]
    [MemberData(nameof(Decisions))]
    public void Decides(string name, string stored, string incoming, string action, int newFrom)
    {
        var parts = stored.Split('|');
        var state = parts[0].Length == 0 ? null : State(parts[0])! with { ReplyHash = parts.Length > 1 ? MessageHashes.Reply(Content(parts[1])) : null, ClaudeSessionId = "cli-1" };
        var feature = Feature();

        var decision = SessionResolver.Resolve(feature, Messages(incoming), "id:key", state).Decision;

        Assert.True(action == decision.Action, $"{name}: expected {action}, got {decision.Action}");
        Assert.Equal(newFrom, decision.NewMessagesFrom);
        Assert.Equal(action == SessionActions.Continue ? "cli-1" : null, decision.ClaudeSessionId);
        Assert.NotNull(decision.RelaySessionId);
    }

    [Fact]
    public void Relay_session_id_is_kept_along_the_conversation_and_new_when_it_diverged()
    {
        var stored = State("u1 a1 u2")! with { RelaySessionId = "rs_kept" };

        Assert.Equal("rs_kept", SessionResolver.Resolve(Feature(), Messages("u1 a1 u2 a2 u3"), "id:k", stored).Decision.RelaySessionId);
        Assert.Equal("rs_kept", SessionResolver.Resolve(Feature(), Messages("u1 a1 x2"), "id:k", stored).Decision.RelaySessionId);
        Assert.NotEqual("rs_kept", SessionResolver.Resolve(Feature(), Messages("x1 b1 x2"), "id:k", stored).Decision.RelaySessionId);
    }

    [Fact]
    public void Independent_requests_have_no_key_and_fork_when_they_carry_history()
    {
        var feature = Feature();
        feature.Independent = true;
        feature.AgentSessionId = "ses_1";

        Assert.Null(SessionResolver.StoreKey(feature, Messages("u1 a1 u2")));
        var decision = SessionResolver.Resolve(feature, Messages("u1 a1 u2"), null, null).Decision;
        Assert.Equal(SessionActions.Fork, decision.Action);
        Assert.Null(decision.RelaySessionId);
        Assert.Equal("none", decision.KeySource);
    }

    [Fact]
    public void Reply_hash_ignores_thinking_the_client_dropped()
    {
        var withThinking = Parse("""[{"type":"thinking","thinking":"hmm","signature":"s"},{"type":"text","text":"answer"}]""");
        var without = Parse("""[{"type":"text","text":"answer"}]""");

        Assert.Equal(MessageHashes.Reply(withThinking), MessageHashes.Reply(without));
        Assert.Equal(MessageHashes.Reply(without), MessageHashes.Reply(JsonValue.Create("answer")));
    }

    [Fact]
    public void Next_state_describes_the_request_and_forgets_a_session_that_ended_in_a_client_tool_call()
    {
        var messages = Messages("u1 a1 u2");
        var resolution = SessionResolver.Resolve(Feature(), messages, "id:k", null);
        var toolCall = new JsonObject { ["stop_reason"] = "tool_use", ["content"] = Parse("""[{"type":"tool_use","id":"t","name":"x","input":{}}]""") };
        var text = new JsonObject { ["stop_reason"] = "end_turn", ["content"] = Parse("""[{"type":"text","text":"done"}]""") };

        var afterToolCall = SessionResolver.NextState(resolution, messages, toolCall, "cli-1", DateTimeOffset.UnixEpoch);
        var afterText = SessionResolver.NextState(resolution, messages, text, "cli-1", DateTimeOffset.UnixEpoch);

        Assert.Null(afterToolCall.ClaudeSessionId);
        Assert.Equal("cli-1", afterText.ClaudeSessionId);
        Assert.Equal(3, afterText.MessageCount);
        Assert.Equal(MessageHashes.Of(messages), afterText.MessageHashes);
        Assert.Equal(MessageHashes.Lineage(messages, 3), afterText.LineageHash);
        Assert.Equal(MessageHashes.Reply(text["content"]), afterText.ReplyHash);
    }

    private static ProxyRequestFeature Feature() => new()
    {
        RequestId = "r",
        Path = "/v1/messages",
        StartedAt = DateTimeOffset.UnixEpoch,
        SessionKey = "header:x-session-id",
        AgentSessionId = "ses_1",
    };

    private static JsonArray Messages(string conversation) => new([.. conversation.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => (JsonNode)new JsonObject
    {
        ["role"] = word[0] is 'u' or 'x' or 's' ? "user" : "assistant",
        ["content"] = Content(word),
    })]);

    private static JsonNode Content(string word) => JsonValue.Create($"message {word}");

    private static string[] Hashes(string conversation) => MessageHashes.Of(Messages(conversation));

    private static SessionState? State(string conversation) => conversation.Length == 0 ? null : StateOf(Messages(conversation), Messages(conversation).Count);

    private static SessionState StateOf(JsonArray messages, int count)
    {
        var hashes = MessageHashes.Of(messages)[..count];
        return new SessionState { RelaySessionId = "rs_1", MessageCount = count, MessageHashes = hashes, LineageHash = MessageHashes.Lineage(messages, count), Version = 1 };
    }

    private static JsonArray Parse(string json) => JsonNode.Parse(json)!.AsArray();
}
