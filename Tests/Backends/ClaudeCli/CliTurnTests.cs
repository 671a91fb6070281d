using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// When a kept process may take a request: the session layer's decision for its conversation (no lineage judged here)
/// and the tool-result lookup by <c>tool_use_id</c>.
/// </summary>
public sealed class CliTurnTests
{
    private static JsonObject User(string text) => new() { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) };

    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = text };

    private static JsonObject Body(params JsonObject[] messages) => new() { ["system"] = "s", ["messages"] = new JsonArray(messages) };

    private static SessionDecision New(string session) => new(session, "header:x-session-id", "new", SessionActions.None, 0, null);

    private static SessionDecision Continue(string session, int from) => new(session, "header:x-session-id", "continuation", SessionActions.Continue, from, null);

    /// <summary>A process after one finished turn of <paramref name="body"/> in conversation <c>rs_a</c>.</summary>
    private static LiveCli After(JsonObject body)
    {
        // A live process needs a process only to be run; the bookkeeping is what is tested here.
        var live = new LiveCli(null!, "spawn");
        live.Completed(CliTurn.From(body, New("rs_a")), ranOwnTools: false);
        return live;
    }

    [Fact]
    public void A_continuation_of_its_conversation_from_right_after_its_reply_continues()
    {
        var live = After(Body(User("one")));

        var turn = CliTurn.From(Body(User("one"), Assistant("reply"), User("two")), Continue("rs_a", 2));

        Assert.True(live.Continues(turn));
        Assert.Equal(2, turn.ContinuesFrom);
        // Two user messages after the reply (a client that queued one) are still its next turn.
        Assert.True(live.Continues(CliTurn.From(Body(User("one"), Assistant("reply"), User("two"), User("three")), Continue("rs_a", 2))));
    }

    [Theory]
    [InlineData("other conversation")]
    [InlineData("not a continuation")]
    [InlineData("continues another reply")]
    [InlineData("outside any conversation")]
    public void Anything_the_session_layer_did_not_decide_as_this_processs_continuation_does_not_continue(string change)
    {
        var live = After(Body(User("one"), Assistant("r1"), User("two")));
        var messages = Body(User("one"), Assistant("r1"), User("two"), Assistant("r2"), User("three"));
        var decision = change switch
        {
            "other conversation" => Continue("rs_b", 4),
            "not a continuation" => new SessionDecision("rs_a", "header:x-session-id", "diverged", SessionActions.Synthesize, 0, null),
            // The stored conversation moved on elsewhere (another replica gave a later reply): not where this process stopped.
            "continues another reply" => Continue("rs_a", 6),
            _ => SessionDecision.Default,
        };

        Assert.False(live.Continues(CliTurn.From(messages, decision)));
        Assert.True(live.Continues(CliTurn.From(messages, Continue("rs_a", 4))));
    }

    [Fact]
    public void A_process_outside_any_conversation_continues_nothing()
    {
        var live = new LiveCli(null!, "spawn");
        live.Completed(CliTurn.From(Body(User("one")), SessionDecision.Default), ranOwnTools: false);

        Assert.Null(live.ConversationKey);
        Assert.False(live.Continues(CliTurn.From(Body(User("one"), Assistant("r"), User("two")), SessionDecision.Default)));
    }

    [Fact]
    public void A_process_holding_tool_calls_is_found_by_the_results_and_does_not_take_plain_turns()
    {
        var live = new LiveCli(null!, "spawn");
        live.AwaitToolResults(CliTurn.From(Body(User("use tools")), New("rs_a")), ["toolu_1", "toolu_2"], ranOwnTools: false);
        var results = new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(
                new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_1", ["content"] = "a" },
                new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = "toolu_2", ["content"] = "b" },
                new JsonObject { ["type"] = "text", ["text"] = "and a note" }),
        };

        // Found by its pending ids alone, whatever the session layer made of the request.
        var turn = CliTurn.From(Body(User("use tools"), Assistant("calls"), results), SessionDecision.Default);

        Assert.True(live.IsAnsweredBy(turn));
        Assert.Equal(["toolu_1", "toolu_2"], turn.ToolResults.Keys);
        Assert.Equal("and a note", Assert.Single(turn.OtherBlocks)["text"]!.GetValue<string>());
        Assert.False(live.Continues(CliTurn.From(Body(User("use tools"), Assistant("calls"), User("never mind")), Continue("rs_a", 2))));
        Assert.False(live.IsAnsweredBy(CliTurn.From(Body(User("x")), New("rs_a"))));
    }
}
