namespace AgentRelay.ProxyService.Adapters;

/// <summary>Header names the adapters read and write (INTERFACE.md).</summary>
public static class AgentHeaders
{
    /// <summary>Request: an explicit adapter name; unknown values fall through to detection.</summary>
    public const string Agent = "x-relay-agent";

    /// <summary>Response: the adapter that handled the request.</summary>
    public const string Adapter = "x-relay-adapter";

    /// <summary>Request: <c>fork-…</c> or <c>subagent-…</c> marks an independent request (no session).</summary>
    public const string Source = "x-relay-source";

    public const string OpenCodeSession = "x-opencode-session";
    public const string SessionAffinity = "x-session-affinity";
    public const string SessionId = "x-session-id";
    public const string LiteLlmSessionId = "x-litellm-session-id";
    public const string ClaudeCodeSessionId = "x-claude-code-session-id";

    /// <summary>Every header LiteLLM adds starts with this (case-insensitive).</summary>
    public const string LiteLlmPrefix = "x-litellm-";
}
