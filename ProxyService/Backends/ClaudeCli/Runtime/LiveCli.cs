using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// A CLI process that may serve more than one request: what it was started and initialized with, where its
/// conversation stands, and the client tool calls it is waiting on.
/// </summary>
public sealed class LiveCli(CliProcess process, string warmKey)
{
    private readonly HashSet<string> _pendingToolUseIds = new(StringComparer.Ordinal);
    private readonly List<JsonObject> _held = [];

    public CliProcess Process => process;

    /// <summary>
    /// A hash of what it was started and initialized with (arguments, environment, system prompt, client tools), as a
    /// request without resume arguments would start it: a later request of the conversation plans no resume, yet must
    /// find it.
    /// </summary>
    public string WarmKey => warmKey;

    /// <summary>AgentRelay's session id of the conversation it holds (<see cref="CliTurn.ConversationKey"/>).</summary>
    public string? ConversationKey { get; private set; }

    /// <summary>Messages of the conversation it holds, its own last reply included.</summary>
    public int MessagesSeen { get; private set; }

    /// <summary>When it last finished serving a request.</summary>
    public DateTimeOffset LastUsed { get; set; }

    /// <summary>Whether it is lent to a request of a conversation (<see cref="WarmProcesses.Lend"/>); guarded by that registry.</summary>
    internal bool Lent { get; set; }

    /// <summary>Whether its CLI ran tools of its own (its shell, files, tasks): such a process may hold state beyond its
    /// conversation (a background shell, files read), so it is never recycled for another one.</summary>
    public bool RanOwnTools { get; private set; }

    /// <summary>Whether it waits for the client's results of tool calls.</summary>
    public bool AwaitsToolResults => _pendingToolUseIds.Count > 0;

    public IReadOnlyCollection<string> PendingToolUseIds => _pendingToolUseIds;

    /// <summary>Whether <paramref name="turn"/> continues its conversation right after the reply it gave: the session
    /// layer decided the request continues that conversation, and its new messages start where this process stopped.</summary>
    public bool Continues(CliTurn turn) =>
        !AwaitsToolResults
        && ConversationKey is not null
        && turn.ConversationKey == ConversationKey
        && turn.ContinuesFrom == MessagesSeen
        && turn.MessageCount > MessagesSeen;

    /// <summary>Whether <paramref name="turn"/> answers (some of) the tool calls it waits on.</summary>
    public bool IsAnsweredBy(CliTurn turn) => _pendingToolUseIds.Overlaps(turn.ToolResults.Keys);

    /// <summary>The turn of <paramref name="turn"/> is over with a reply; the process now holds that conversation.</summary>
    /// <param name="ranOwnTools">Whether the CLI ran tools of its own in the turn (<see cref="RanOwnTools"/>).</param>
    public void Completed(CliTurn turn, bool ranOwnTools)
    {
        RanOwnTools |= ranOwnTools;
        ConversationKey = turn.ConversationKey;
        MessagesSeen = turn.MessageCount + 1;
        _pendingToolUseIds.Clear();
    }

    /// <summary>The turn of <paramref name="turn"/> ended with client tool calls; the CLI's calls stay pending.</summary>
    public void AwaitToolResults(CliTurn turn, IEnumerable<string> toolUseIds, bool ranOwnTools)
    {
        Completed(turn, ranOwnTools);
        _pendingToolUseIds.UnionWith(toolUseIds);
    }

    /// <summary>Recycled for a new conversation, its old one cleared (<c>/clear</c>): it holds none, as a process that got
    /// only <c>initialize</c>.</summary>
    public void Recycled()
    {
        ConversationKey = null;
        MessagesSeen = 0;
        _pendingToolUseIds.Clear();
        _held.Clear();
    }

    /// <summary>Keeps a control request that can only be answered by a later request (a client tool's <c>tools/call</c>).</summary>
    public void Hold(JsonObject controlRequest) => _held.Add(controlRequest);

    /// <summary>The held control requests, handed over once.</summary>
    public List<JsonObject> TakeHeld()
    {
        var held = new List<JsonObject>(_held);
        _held.Clear();
        return held;
    }
}
