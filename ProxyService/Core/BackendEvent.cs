using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>
/// One item of the stream a backend yields: a Messages API streaming event, a failure, or metadata. SSE and JSON
/// responses are both built from this one stream, so they cannot drift apart.
/// </summary>
public abstract record BackendEvent;

/// <summary>
/// An Anthropic streaming event (<c>message_start</c>, <c>content_block_delta</c>, …) with its whole JSON, unknown
/// fields included.
/// </summary>
/// <remarks>
/// An event relayed from an HTTP upstream keeps the upstream's JSON text and is parsed only when a consumer reads
/// <see cref="Data"/>: on the streaming path that is two events of a stream (for usage), so the hundreds of deltas
/// between them go from upstream to client without being parsed or serialized again.
/// </remarks>
public sealed record MessageStreamEvent : BackendEvent
{
    private readonly string? _json;
    private JsonObject? _data;

    public MessageStreamEvent(string type, JsonObject data)
    {
        Type = type;
        _data = data;
    }

    private MessageStreamEvent(string type, string json)
    {
        Type = type;
        _json = json;
    }

    public string Type { get; }

    /// <summary>The event's JSON object. Reading it parses the upstream's text once; changing it is seen on the wire.</summary>
    public JsonObject Data => _data ??= JsonNode.Parse(_json!) as JsonObject ?? [];

    /// <summary>An event from JSON text that the caller has checked is a single JSON object.</summary>
    public static MessageStreamEvent FromJson(string type, string json) => new(type, json);

    public static MessageStreamEvent Create(JsonObject data) =>
        new(data["type"].AsString() ?? throw new ArgumentException("A stream event needs a type.", nameof(data)), data);

    /// <summary>The JSON for the wire: the upstream's own text while nobody has looked inside.</summary>
    public string ToJson() => _data is null ? _json! : _data.ToJsonString(JsonDefaults.Options);
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
