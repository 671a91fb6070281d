using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Streaming;

/// <summary>
/// One item of the stream a backend yields: a Messages API streaming event, a failure, or metadata. SSE and JSON
/// responses are both built from this one stream, so they cannot drift apart.
/// </summary>
public abstract record BackendEvent;

/// <summary>
/// An Anthropic streaming event (<c>message_start</c>, <c>content_block_delta</c>, …). <see cref="Data"/> is the event's
/// whole JSON, unknown fields included.
/// </summary>
public sealed record MessageStreamEvent(string Type, JsonObject Data) : BackendEvent
{
    public static MessageStreamEvent Create(JsonObject data) =>
        new(data["type"].AsString() ?? throw new ArgumentException("A stream event needs a type.", nameof(data)), data);
}

/// <summary>The backend's own session id (the Claude session), for the session layer.</summary>
public sealed record BackendSessionEvent(string SessionId) : BackendEvent;

/// <summary>The Anthropic streaming event type names.</summary>
public static class StreamEventTypes
{
    public const string MessageStart = "message_start";
    public const string MessageDelta = "message_delta";
    public const string MessageStop = "message_stop";
    public const string ContentBlockStart = "content_block_start";
    public const string ContentBlockDelta = "content_block_delta";
    public const string ContentBlockStop = "content_block_stop";
    public const string Ping = "ping";
    public const string Error = "error";
}
