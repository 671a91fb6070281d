using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// How a CLI run picks up the conversation when no live process holds it (the cold path): the session to
/// <c>--resume</c>, the transcript to write for it first, the user messages written live on stdin, and environment.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Continue</b>: the session decided <see cref="SessionActions.Continue"/> and the CLI session that gave the
/// last reply is on this replica's disk: <c>--resume &lt;it&gt; --fork-session</c> with only the new user messages live
/// (forked, so a failed run never leaves half a turn in the session the store names).</item>
/// <item><b>Transcript</b>: anything else with a history: the messages before the final run of user messages become a
/// transcript under a new session id, resumed; the final user messages go live.</item>
/// <item><b>Tool results</b>: when those final user messages carry <c>tool_result</c> blocks they cannot go live (the CLI
/// has no pending call to give them to, and replaces or drops them). They go into the transcript as its last entry and
/// the CLI resumes that interrupted turn itself (<c>CLAUDE_CODE_RESUME_INTERRUPTED_TURN=1</c>, nothing on stdin): the
/// upstream request ends with the client's real <c>tool_result</c> blocks under their <c>tool_use_id</c>s. Text the
/// client sent beside the results becomes the CLI's resume prompt (<c>CLAUDE_CODE_RESUME_PROMPT</c>), so it arrives in
/// the same user turn; without such text the CLI appends its own one-line "Continue from where you left off.".</item>
/// <item><b>Fresh</b>: a single user message: no transcript, nothing resumed.</item>
/// </list>
/// </remarks>
public sealed record CliColdStart(
    string Kind,
    string? ResumeSessionId,
    bool ForkSession,
    IReadOnlyList<JsonObject> Transcript,
    IReadOnlyList<JsonObject> Live,
    IReadOnlyList<JsonObject> Prefill,
    IReadOnlyDictionary<string, string> Environment)
{
    public const string KindContinue = "continue";
    public const string KindTranscript = "transcript";
    public const string KindToolResults = "tool_results";
    public const string KindFresh = "fresh";

    public const string ResumeInterruptedTurn = "CLAUDE_CODE_RESUME_INTERRUPTED_TURN";
    public const string ResumePrompt = "CLAUDE_CODE_RESUME_PROMPT";

    /// <summary>No history, nothing resumed: what a warm process's key is computed from.</summary>
    public static CliColdStart Plain { get; } = new(KindFresh, null, false, [], [], [], new Dictionary<string, string>());

    /// <param name="decision">The session layer's decision.</param>
    /// <param name="messages">The request's messages.</param>
    /// <param name="hasTranscript">Whether a CLI session's transcript is on this replica's disk.</param>
    public static CliColdStart Plan(SessionDecision decision, JsonArray messages, Func<string, bool> hasTranscript)
    {
        var all = messages.OfType<JsonObject>().ToList();
        var last = all.FindLastIndex(m => m["role"].AsString() == "user");
        var prefill = all.Skip(last + 1).ToList();
        if (last < 0)
        {
            return new CliColdStart(KindFresh, null, false, [], [], prefill, Empty);
        }

        if (decision is { Action: SessionActions.Continue, ClaudeSessionId: { } id } && decision.NewMessagesFrom > 0 && decision.NewMessagesFrom <= last
            && hasTranscript(id))
        {
            var live = all.GetRange(decision.NewMessagesFrom, last - decision.NewMessagesFrom + 1);
            if (!live.Any(HasToolResult))
            {
                return new CliColdStart(KindContinue, id, true, [], live, prefill, Empty);
            }
        }

        return FromHistory(all, last, prefill);
    }

    /// <summary>The client's history as a fresh transcript, whatever the session said (the stale-session retry).</summary>
    public static CliColdStart FromHistory(JsonArray messages)
    {
        var all = messages.OfType<JsonObject>().ToList();
        var last = all.FindLastIndex(m => m["role"].AsString() == "user");
        return last < 0 ? new CliColdStart(KindFresh, null, false, [], [], all, Empty) : FromHistory(all, last, all.Skip(last + 1).ToList());
    }

    private static CliColdStart FromHistory(List<JsonObject> all, int last, List<JsonObject> prefill)
    {
        var start = last;
        while (start > 0 && all[start - 1]["role"].AsString() == "user")
        {
            start--;
        }

        var history = all.GetRange(0, start);
        var live = all.GetRange(start, last - start + 1);
        if (history.Count == 0)
        {
            return new CliColdStart(KindFresh, null, false, [], live, prefill, Empty);
        }

        var sessionId = Guid.NewGuid().ToString();
        if (!live.Any(HasToolResult))
        {
            return new CliColdStart(KindTranscript, sessionId, false, history, live, prefill, Empty);
        }

        // :: The interrupted turn: results in the transcript, the client's text as the resume prompt.
        var blocks = new JsonArray();
        var text = new List<string>();
        foreach (var message in live)
        {
            switch (message["content"])
            {
                case JsonValue value when value.AsString() is { Length: > 0 } words:
                    text.Add(words);
                    break;
                case JsonArray content:
                    foreach (var block in content.OfType<JsonObject>())
                    {
                        if (block["type"].AsString() == "text")
                        {
                            if (block["text"].AsString() is { Length: > 0 } words2)
                            {
                                text.Add(words2);
                            }
                        }
                        else
                        {
                            blocks.Add(block.DeepClone());
                        }
                    }

                    break;
            }
        }

        text.AddRange(prefill.Select(PromptTextOf).Where(t => t.Length > 0).Select(t => $"<assistant_prefill>{t}</assistant_prefill>\nBegin your reply with exactly this prefill and continue from it."));
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { [ResumeInterruptedTurn] = "1" };
        if (text.Count > 0)
        {
            environment[ResumePrompt] = string.Join("\n\n", text);
        }

        var transcript = new List<JsonObject>(history) { new() { ["role"] = "user", ["content"] = blocks } };
        return new CliColdStart(KindToolResults, sessionId, false, transcript, [], [], environment);
    }

    private static bool HasToolResult(JsonObject message) =>
        message["content"] is JsonArray blocks && blocks.OfType<JsonObject>().Any(b => b["type"].AsString() == "tool_result");

    private static string PromptTextOf(JsonObject message) => message["content"] switch
    {
        JsonValue value => value.AsString() ?? string.Empty,
        JsonArray blocks => string.Join("\n", blocks.OfType<JsonObject>().Where(b => b["type"].AsString() == "text").Select(b => b["text"].AsString())).Trim(),
        _ => string.Empty,
    };

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
}
