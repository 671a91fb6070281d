using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// Turns the CLI's <c>stream_event</c>s (raw Anthropic events, one message per model turn) into the one message the
/// client receives.
/// </summary>
/// <remarks>
/// Rules: (1) only the first turn's <c>message_start</c> goes out, with a proxy-made unique id; (2) blocks get client
/// indexes that keep increasing across turns; (3) <c>tool_use</c> blocks of tools the CLI runs itself are hidden, and
/// so is thinking when the adapter drops it; (4) a client tool (passthrough) is renamed to the client's own name, and
/// the turn that called it ends the message with <c>stop_reason: tool_use</c>; (5) per-turn <c>message_delta</c> and
/// <c>message_stop</c> are held back, and <see cref="Finish"/> writes one of each, with usage summed over all turns.
/// </remarks>
public sealed class CliEventTranslator(AgentPolicy agent, McpToolServer? tools, string messageId)
{
    private readonly Dictionary<int, int> _clientIndex = [];
    private readonly HashSet<int> _openBlocks = [];
    private readonly Usage _total = new();
    private Usage _turn = new();
    private bool _turnOpen;
    private bool _turnCallsClientTool;
    private string? _turnStopReason;
    private string? _lastStopReason;
    private int _nextIndex;

    /// <summary>Whether the client's message has begun (its <c>message_start</c> went out).</summary>
    public bool Started { get; private set; }

    /// <summary>Whether the message ended because the model called a client tool: the run must stop now.</summary>
    public bool ClientToolCalled { get; private set; }

    /// <summary>The ids of the client tool calls the message ended with.</summary>
    public List<string> ClientToolUseIds { get; } = [];

    /// <summary>Whether the closing <c>message_delta</c> and <c>message_stop</c> went out.</summary>
    public bool Finished { get; private set; }

    /// <summary>Whether the model called a tool the CLI runs itself (a built-in such as its shell or files, another MCP server).</summary>
    public bool CliToolCalled { get; private set; }

    /// <summary>The model the CLI reported (from <c>system/init</c>), for a message that has to be made up.</summary>
    public string? Model { get; set; }

    public IEnumerable<MessageStreamEvent> OnStreamEvent(JsonObject streamEvent)
    {
        if (Finished)
        {
            yield break;
        }

        switch (streamEvent["type"].AsString())
        {
            case StreamEventTypes.MessageStart:
                CloseTurn();
                _turnOpen = true;
                _turn = new Usage();
                _turnCallsClientTool = false;
                _turnStopReason = null;
                _clientIndex.Clear();
                var message = streamEvent["message"] as JsonObject;
                _turn.Observe(message?["usage"] as JsonObject);
                if (!Started)
                {
                    Started = true;
                    var start = (JsonObject)streamEvent.DeepClone();
                    if (start["message"] is JsonObject startMessage)
                    {
                        startMessage["id"] = messageId;
                        Model ??= startMessage["model"].AsString();
                    }

                    yield return MessageStreamEvent.Create(start);
                }

                break;

            case StreamEventTypes.ContentBlockStart when Forward(streamEvent) is { } forwarded:
                yield return forwarded;
                break;

            case StreamEventTypes.ContentBlockDelta or StreamEventTypes.ContentBlockStop when Reindex(streamEvent) is { } reindexed:
                if (reindexed.Type == StreamEventTypes.ContentBlockStop)
                {
                    _openBlocks.Remove(JsonNumbers.Int(reindexed.Data["index"]) ?? -1);
                }

                yield return reindexed;
                break;

            case StreamEventTypes.MessageDelta:
                _turnStopReason = streamEvent["delta"]?["stop_reason"].AsString() ?? _turnStopReason;
                _turn.Observe(streamEvent["usage"] as JsonObject);
                break;

            case StreamEventTypes.MessageStop:
                var callsClientTool = _turnCallsClientTool;
                CloseTurn();
                if (callsClientTool)
                {
                    ClientToolCalled = true;
                    foreach (var closing in Finish())
                    {
                        yield return closing;
                    }
                }

                break;
        }
    }

    /// <summary>The closing events: any block left open is closed, then one <c>message_delta</c> (stop reason, usage
    /// summed over every turn) and <c>message_stop</c>. Nothing when no message was started.</summary>
    public IEnumerable<MessageStreamEvent> Finish()
    {
        if (!Started || Finished)
        {
            yield break;
        }

        Finished = true;
        CloseTurn();
        foreach (var index in _openBlocks.Order())
        {
            yield return MessageEvents.Event(StreamEventTypes.ContentBlockStop, new JsonObject { ["index"] = index });
        }

        _openBlocks.Clear();
        // A last turn that stopped for a tool the CLI runs itself was cut short (interrupt, turn limit): from the
        // client's side the answer simply ended.
        var stopReason = ClientToolCalled ? "tool_use" : _lastStopReason is null or "tool_use" ? "end_turn" : _lastStopReason;
        yield return MessageEvents.Event(StreamEventTypes.MessageDelta, new JsonObject
        {
            ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
            ["usage"] = _total.ToJson(),
        });
        yield return MessageEvents.Event(StreamEventTypes.MessageStop, []);
    }

    private MessageStreamEvent? Forward(JsonObject streamEvent)
    {
        if (JsonNumbers.Int(streamEvent["index"]) is not { } index || streamEvent["content_block"] is not JsonObject block)
        {
            return null;
        }

        var copy = (JsonObject)streamEvent.DeepClone();
        var copyBlock = (JsonObject)copy["content_block"]!;
        switch (block["type"].AsString())
        {
            case "tool_use":
                if (!agent.PassthroughTools || tools?.ClientName(block["name"].AsString()) is not { } clientName)
                {
                    // The CLI runs this tool itself (a built-in, ToolSearch, another MCP server): not the client's business.
                    CliToolCalled = true;
                    return null;
                }

                copyBlock["name"] = clientName;
                _turnCallsClientTool = true;
                if (block["id"].AsString() is { } toolUseId)
                {
                    ClientToolUseIds.Add(toolUseId);
                }

                break;
            case "thinking" or "redacted_thinking" when !agent.KeepThinking:
                return null;
        }

        var clientIndex = _nextIndex++;
        _clientIndex[index] = clientIndex;
        _openBlocks.Add(clientIndex);
        copy["index"] = clientIndex;
        return MessageStreamEvent.Create(copy);
    }

    private MessageStreamEvent? Reindex(JsonObject streamEvent)
    {
        if (JsonNumbers.Int(streamEvent["index"]) is not { } index || !_clientIndex.TryGetValue(index, out var clientIndex))
        {
            return null;
        }

        var copy = (JsonObject)streamEvent.DeepClone();
        copy["index"] = clientIndex;
        return MessageStreamEvent.Create(copy);
    }

    private void CloseTurn()
    {
        if (!_turnOpen)
        {
            return;
        }

        _turnOpen = false;
        _total.Add(_turn);
        _lastStopReason = _turnStopReason ?? _lastStopReason;
    }

    /// <summary>Token counts of one turn (the latest value of each field wins) or the sum of several.</summary>
    private sealed class Usage
    {
        private static readonly string[] s_fields = ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"];

        private readonly long[] _values = new long[s_fields.Length];

        public void Observe(JsonObject? usage)
        {
            for (var i = 0; i < s_fields.Length; i++)
            {
                if (JsonNumbers.Long(usage?[s_fields[i]]) is { } number)
                {
                    _values[i] = number;
                }
            }
        }

        public void Add(Usage other)
        {
            for (var i = 0; i < s_fields.Length; i++)
            {
                _values[i] += other._values[i];
            }
        }

        public JsonObject ToJson()
        {
            var json = new JsonObject();
            for (var i = 0; i < s_fields.Length; i++)
            {
                json[s_fields[i]] = JsonNumbers.Node(_values[i]);
            }

            return json;
        }
    }
}
