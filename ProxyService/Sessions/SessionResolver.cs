using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>One request's session: its store key (if it has one), what was stored, the lineage and the decision.</summary>
public sealed record SessionResolution(string? StoreKey, SessionState? Stored, string[] Hashes, LineageResult Lineage, SessionDecision Decision);

/// <summary>
/// Decides, from the request and the stored state alone, how the backend should treat the conversation
/// (see <see cref="SessionActions"/>). Pure: the store is read and written by <see cref="SessionBackendClient"/>.
/// </summary>
public static class SessionResolver
{
    /// <summary>
    /// The store key: the agent's session id (hashed, with its source), else a fingerprint of the working directory and
    /// the first user message scoped to the adapter; <see langword="null"/> for independent requests and requests with
    /// nothing to fingerprint.
    /// </summary>
    public static string? StoreKey(ProxyRequestFeature feature, JsonArray messages)
    {
        if (feature.Independent)
        {
            return null;
        }

        if (feature.AgentSessionId is { Length: > 0 } id)
        {
            return "id:" + MessageHashes.Message(feature.SessionKey ?? "header", id);
        }

        var workingDirectory = feature.Agent.ClientWorkingDirectory ?? feature.Agent.WorkingDirectory;
        return MessageHashes.Fingerprint(messages, workingDirectory) is { } fingerprint ? $"fp:{feature.Adapter}:{fingerprint}" : null;
    }

    public static SessionResolution Resolve(ProxyRequestFeature feature, JsonArray messages, string? storeKey, SessionState? stored)
    {
        var keySource = storeKey is null ? "none" : feature.SessionKey ?? "none";
        var hashes = MessageHashes.Of(messages);
        var history = HasHistory(messages);
        if (storeKey is null)
        {
            var action = feature.Independent && history ? SessionActions.Fork : history ? SessionActions.Synthesize : SessionActions.None;
            return new SessionResolution(null, null, hashes, new LineageResult(Lineages.New, 0, false, false),
                new SessionDecision(null, keySource, Lineages.New, action, 0, null));
        }

        var lineage = LineageClassifier.Classify(stored, hashes);
        var relaySessionId = stored is not null && lineage.Lineage != Lineages.Diverged ? stored.RelaySessionId : NewRelaySessionId();
        SessionDecision decision;
        if (stored is not null && ContinuesFromReply(stored, lineage, messages))
        {
            decision = new SessionDecision(relaySessionId, keySource, lineage.Lineage, SessionActions.Continue, stored.MessageCount + 1, stored.ClaudeSessionId);
        }
        else
        {
            var action = lineage.Lineage == Lineages.Undo ? SessionActions.Fork : history ? SessionActions.Synthesize : SessionActions.None;
            decision = new SessionDecision(relaySessionId, keySource, lineage.Lineage, action, 0, null);
        }

        return new SessionResolution(storeKey, stored, hashes, lineage, decision);
    }

    /// <summary>The state to store after the request succeeded with <paramref name="reply"/>.</summary>
    /// <param name="reply">The reply, from a backend that holds sessions; <see langword="null"/> from one that does not
    /// (then nothing can be continued, only judged).</param>
    /// <param name="backendSessionId">The backend session the request ran in, if it reported one.</param>
    public static SessionState NextState(SessionResolution resolution, JsonArray messages, JsonObject? reply, string? backendSessionId, DateTimeOffset now) => new()
    {
        RelaySessionId = resolution.Decision.RelaySessionId ?? NewRelaySessionId(),
        // A run that ended in a client tool call left a refused call in the CLI's transcript: never resume that.
        ClaudeSessionId = reply is null || reply["stop_reason"].AsString() == "tool_use" ? null : backendSessionId,
        MessageCount = messages.Count,
        LineageHash = MessageHashes.Lineage(messages, messages.Count),
        MessageHashes = resolution.Hashes,
        ReplyHash = reply is null ? null : MessageHashes.Reply(reply["content"]),
        UpdatedAt = now,
    };

    public static string NewRelaySessionId() => "rs_" + Guid.CreateVersion7().ToString("N");

    /// <summary>
    /// The stored messages, then the very reply the proxy gave, then user messages only: the backend session that
    /// produced that reply can take the rest as its next turn.
    /// </summary>
    private static bool ContinuesFromReply(SessionState stored, LineageResult lineage, JsonArray messages)
    {
        var replyAt = stored.MessageCount;
        if (!lineage.StrictPrefix || stored.ReplyHash is null || messages.Count < replyAt + 2)
        {
            return false;
        }

        if (messages[replyAt] is not JsonObject reply || reply["role"].AsString() != "assistant" || MessageHashes.Reply(reply["content"]) != stored.ReplyHash)
        {
            return false;
        }

        for (var i = replyAt + 1; i < messages.Count; i++)
        {
            if (messages[i]?["role"].AsString() != "user")
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether anything comes before the last user message (a history to hand over).</summary>
    private static bool HasHistory(JsonArray messages)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i]?["role"].AsString() == "user")
            {
                return i > 0;
            }
        }

        return messages.Count > 0;
    }
}
