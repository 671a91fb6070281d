using System.Buffers;
using System.Text.Json;
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
/// An event relayed from an HTTP upstream keeps the upstream's UTF-8 JSON and is parsed only when a consumer reads
/// <see cref="Data"/>: on the streaming path that is two events of a stream (for usage), so the hundreds of deltas
/// between them go from upstream to client as the upstream's own bytes, never parsed, decoded or serialized again.
/// Such an event may be <em>borrowed</em> (<see cref="Borrow"/>): its bytes are a slice of the reader's pooled buffer
/// and the reader refills the same event object with the next event, so it is valid only until the consumer asks for
/// the next one. A consumer that keeps an event keeps what it read from <see cref="Data"/> (which owns what it parsed)
/// or <see cref="Detach"/>'s copy; reading an event after its reader moved past its buffer throws.
/// </remarks>
public sealed record MessageStreamEvent : BackendEvent
{
    private ReadOnlyMemory<byte> _utf8;
    private readonly BufferVersion? _buffer;
    private int _version;
    private JsonObject? _data;

    public MessageStreamEvent(string type, JsonObject data)
    {
        Type = type;
        _data = data;
    }

    private MessageStreamEvent(string type, ReadOnlyMemory<byte> utf8, BufferVersion? buffer)
    {
        Type = type;
        _utf8 = utf8;
        _buffer = buffer;
        _version = buffer?.Current ?? 0;
    }

    public string Type { get; private set; }

    /// <summary>The event's JSON object. Reading it parses the upstream's bytes once; changing it is seen on the wire.</summary>
    public JsonObject Data => _data ??= JsonNode.Parse(Utf8) as JsonObject ?? [];

    /// <summary>The upstream's JSON bytes while nobody has parsed them; empty once <see cref="Data"/> was read.</summary>
    private ReadOnlySpan<byte> Utf8
    {
        get
        {
            if (_buffer is not null && _buffer.Current != _version)
            {
                throw new InvalidOperationException($"The {Type} event was read after its reader moved on; keep Data or Detach() instead.");
            }

            return _utf8.Span;
        }
    }

    /// <summary>An event from UTF-8 JSON of its own that the caller has checked is a single JSON object.</summary>
    public static MessageStreamEvent FromUtf8(string type, ReadOnlyMemory<byte> utf8) => new(type, utf8, null);

    /// <summary>
    /// A borrowed event over UTF-8 JSON (checked to be a single JSON object) in <paramref name="buffer"/>'s current
    /// version; refill it with <see cref="Refill"/> for the next event of the same reader.
    /// </summary>
    public static MessageStreamEvent Borrow(string type, ReadOnlyMemory<byte> utf8, BufferVersion buffer) => new(type, utf8, buffer);

    /// <summary>Makes this borrowed event the reader's next event (one object per stream instead of one per event).</summary>
    public MessageStreamEvent Refill(string type, ReadOnlyMemory<byte> utf8)
    {
        if (_buffer is null)
        {
            throw new InvalidOperationException("Only a borrowed event is refilled.");
        }

        Type = type;
        _utf8 = utf8;
        _version = _buffer.Current;
        _data = null;
        return this;
    }

    public static MessageStreamEvent Create(JsonObject data) =>
        new(data["type"].AsString() ?? throw new ArgumentException("A stream event needs a type.", nameof(data)), data);

    /// <summary>This event with bytes of its own, safe to keep after the stream moved on.</summary>
    public MessageStreamEvent Detach() => _buffer is null || _data is not null ? this : new(Type, Utf8.ToArray(), null);

    /// <summary>
    /// A top-level integer field (such as a block's <c>index</c>), read without building the event's JSON tree when
    /// nobody has parsed it yet.
    /// </summary>
    public int? IntField(string name)
    {
        if (_data is not null)
        {
            return _data[name] is JsonValue value && value.TryGetValue<int>(out var parsed) ? parsed : null;
        }

        var reader = new Utf8JsonReader(Utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var number) ? number : null;
            }

            reader.Skip();
        }

        return null;
    }

    /// <summary>
    /// The text of a <c>text_delta</c> (<c>{"type":"content_block_delta","index":i,"delta":{"type":"text_delta","text":…}}</c>),
    /// read without building the event's JSON tree; <see langword="false"/> for anything else or anything unusual
    /// (then read <see cref="Data"/>).
    /// </summary>
    public bool TryReadTextDelta(out int index, out string? text)
    {
        (index, text) = (0, null);
        if (_data is not null || Type != StreamEventTypes.ContentBlockDelta)
        {
            return false;
        }

        var reader = new Utf8JsonReader(Utf8);
        int? foundIndex = null;
        var isText = false;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var number))
                {
                    return false;
                }

                foundIndex = number;
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("type"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String || !reader.ValueTextEquals("text_delta"u8))
                        {
                            return false;
                        }

                        isText = true;
                    }
                    else if (reader.ValueTextEquals("text"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.String)
                        {
                            return false;
                        }

                        text = reader.GetString();
                    }
                    else
                    {
                        // A field a text delta does not have: let the general path keep it.
                        return false;
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        index = foundIndex ?? 0;
        return isText && text is not null && foundIndex >= 0;
    }

    /// <summary>The upstream's JSON bytes while nobody has parsed them (then read them with a forward-only reader, not <see cref="Data"/>).</summary>
    public bool TryGetUtf8(out ReadOnlySpan<byte> utf8)
    {
        utf8 = _data is null ? Utf8 : default;
        return _data is null;
    }

    /// <summary>Writes the JSON for the wire: the upstream's own bytes while nobody has looked inside.</summary>
    public void WriteJson(IBufferWriter<byte> output, Utf8JsonWriter? reusableWriter = null)
    {
        if (_data is null)
        {
            output.Write(Utf8);
            return;
        }

        JsonWire.Write(output, _data, reusableWriter);
    }
}

/// <summary>
/// The version of a reusable buffer that events borrow their bytes from: the owner advances it before it overwrites
/// the buffer, which makes every event still holding the old bytes refuse to be read.
/// </summary>
public sealed class BufferVersion
{
    public int Current { get; private set; }

    public void Advance() => Current++;
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
