using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>When a kept process may take a request: the continuation check and the tool-result lookup.</summary>
public sealed class CliTurnTests
{
    private static JsonObject User(string text, bool cache = false)
    {
        var block = new JsonObject { ["type"] = "text", ["text"] = text };
        if (cache)
        {
            block["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
        }

        return new JsonObject { ["role"] = "user", ["content"] = new JsonArray(block) };
    }

    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = text };

    private static JsonObject Body(params JsonObject[] messages) => new() { ["system"] = "s", ["messages"] = new JsonArray(messages) };

    private static LiveCli After(JsonObject body, string? session = "opencode:a")
    {
        // A live process needs a process only to be run; the bookkeeping is what is tested here.
        var live = new LiveCli(null!, "spawn");
        live.Completed(CliTurn.From(body, session));
        return live;
    }

    [Fact]
    public void Next_user_message_after_the_reply_continues_even_when_cache_control_moved()
    {
        var live = After(Body(User("one", cache: true)));

        Assert.True(live.Continues(CliTurn.From(Body(User("one"), Assistant("reply"), User("two", cache: true)), "opencode:a")));
    }

    [Theory]
    [InlineData("other session")]
    [InlineData("edited earlier message")]
    [InlineData("two new turns")]
    [InlineData("undo")]
    public void Anything_but_a_continuation_does_not_continue(string change)
    {
        var live = After(Body(User("one"), Assistant("r1"), User("two")));
        var turn = change switch
        {
            "other session" => CliTurn.From(Body(User("one"), Assistant("r1"), User("two"), Assistant("r2"), User("three")), "opencode:b"),
            "edited earlier message" => CliTurn.From(Body(User("one"), Assistant("r1"), User("TWO"), Assistant("r2"), User("three")), "opencode:a"),
            "two new turns" => CliTurn.From(Body(User("one"), Assistant("r1"), User("two"), Assistant("r2"), User("three"), Assistant("r3"), User("four")), "opencode:a"),
            _ => CliTurn.From(Body(User("one"), Assistant("r1"), User("two again")), "opencode:a"),
        };

        Assert.False(live.Continues(turn));
        Assert.True(live.Continues(CliTurn.From(Body(User("one"), Assistant("r1"), User("two"), Assistant("r2"), User("three")), "opencode:a")));
    }

    [Fact]
    public void Without_a_session_header_the_conversation_is_keyed_by_its_start()
    {
        var first = CliTurn.From(Body(User("hello")), null);
        var second = CliTurn.From(Body(User("hello"), Assistant("hi"), User("more")), null);
        var other = CliTurn.From(Body(User("something else")), null);

        Assert.StartsWith("fingerprint:", first.ConversationKey);
        Assert.Equal(first.ConversationKey, second.ConversationKey);
        Assert.NotEqual(first.ConversationKey, other.ConversationKey);
    }

    [Fact]
    public void A_process_holding_tool_calls_is_found_by_the_results_and_does_not_take_plain_turns()
    {
        var live = new LiveCli(null!, "spawn");
        live.AwaitToolResults(CliTurn.From(Body(User("use tools")), "opencode:a"), ["toolu_1", "toolu_2"]);
        var results = new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(
                new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_1", ["content"] = "a" },
                new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_2", ["content"] = "b" },
                new JsonObject { ["type"] = "text", ["text"] = "and a note" }),
        };

        var turn = CliTurn.From(Body(User("use tools"), Assistant("calls"), results), "opencode:a");

        Assert.True(live.IsAnsweredBy(turn));
        Assert.Equal(["toolu_1", "toolu_2"], turn.ToolResults.Keys);
        Assert.Equal("and a note", Assert.Single(turn.OtherBlocks)["text"]!.GetValue<string>());
        Assert.False(live.Continues(CliTurn.From(Body(User("use tools"), Assistant("calls"), User("never mind")), "opencode:a")));
        Assert.False(live.IsAnsweredBy(CliTurn.From(Body(User("x")), "opencode:a")));
    }
}
