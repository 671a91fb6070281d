using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// What the store keeps for one conversation: the hashes of the request's messages (not the reply), the hash of the
/// reply the proxy gave, and the CLI session that holds the conversation when it can be resumed as it is.
/// </summary>
public sealed record SessionState
{
    /// <summary>AgentRelay's own id for the conversation (the <c>x-relay-session</c> header).</summary>
    public required string RelaySessionId { get; init; }

    /// <summary>The backend session to continue with new messages only, or <see langword="null"/> when none can be
    /// (another backend, or the last run ended in a client tool call, which the CLI recorded as refused).</summary>
    public string? ClaudeSessionId { get; init; }

    /// <summary>Messages of the last successful request.</summary>
    public int MessageCount { get; init; }

    /// <summary>Hash over all of them (PROXY-SPEC §3.2).</summary>
    public string LineageHash { get; init; } = string.Empty;

    /// <summary>One hash per message, aligned by position.</summary>
    public IReadOnlyList<string> MessageHashes { get; init; } = [];

    /// <summary>Hash of the assistant reply the proxy returned (thinking left out), to recognise it when the client sends it back.</summary>
    public string? ReplyHash { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Incremented by every write; a write succeeds only over the version it read (optimistic concurrency).</summary>
    public long Version { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, SessionJsonContext.Default.SessionState);

    public static SessionState? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, SessionJsonContext.Default.SessionState);
        }
        catch (JsonException)
        {
            // A corrupt entry is a miss, never a failed request.
            return null;
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionState))]
internal sealed partial class SessionJsonContext : JsonSerializerContext;
