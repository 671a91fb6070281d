namespace AgentRelay.ProxyService.Core;

/// <summary>
/// What the session layer decided for one request, for the backend to act on (set before the backend is called).
/// </summary>
/// <param name="RelaySessionId">AgentRelay's own id for the conversation (<c>x-relay-session</c>); <see langword="null"/>
/// for a request outside any conversation.</param>
/// <param name="KeySource">Where the session key came from (the <c>sessionKey</c> telemetry value).</param>
/// <param name="Lineage">How the request relates to the stored state (<c>new</c>, <c>continuation</c>, …).</param>
/// <param name="Action">One of <see cref="SessionActions"/>.</param>
/// <param name="NewMessagesFrom">For <see cref="SessionActions.Continue"/>: the index of the first message the backend
/// session does not hold yet (the messages after the reply it gave). 0 otherwise.</param>
/// <param name="ClaudeSessionId">For <see cref="SessionActions.Continue"/>: the CLI session that holds the conversation
/// up to that reply, when it can be resumed from its own transcript; <see langword="null"/> when it cannot (e.g. it
/// ended in a client tool call; only a live process still holding that call can continue it).</param>
public sealed record SessionDecision(string? RelaySessionId, string KeySource, string Lineage, string Action, int NewMessagesFrom, string? ClaudeSessionId)
{
    /// <summary>What a request gets when the session layer is not in the chain: a fresh backend session with everything.</summary>
    public static readonly SessionDecision Default = new(null, "none", "new", SessionActions.Synthesize, 0, null);
}

/// <summary>The values of <see cref="SessionDecision.Action"/>.</summary>
public static class SessionActions
{
    /// <summary>The conversation continues: only the messages from <see cref="SessionDecision.NewMessagesFrom"/> are new.</summary>
    public const string Continue = "continue";

    /// <summary>The backend cannot continue a session it holds: it gets the client's history as structured turns
    /// (for the CLI: a transcript written from the messages, then <c>--resume</c>).</summary>
    public const string Synthesize = "synthesize";

    /// <summary>As <see cref="Synthesize"/>, for a branch off a conversation: an undo, or an independent request
    /// (<c>x-relay-source</c>) that carries another conversation's history. The stored conversation is not continued.</summary>
    public const string Fork = "fork";

    /// <summary>A single user message: nothing to hand over, a fresh backend session.</summary>
    public const string None = "none";
}
