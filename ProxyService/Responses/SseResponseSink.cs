using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Writes the events as Anthropic Server-Sent Events, each with the upstream's own JSON bytes. A failure before the
/// first event is a plain JSON error with its status; after it, the stream is closed properly (<c>content_block_stop</c>
/// when a block was open, then <c>message_delta</c> and <c>message_stop</c> when a message was open) and ends with
/// <c>event: error</c>, so the client always sees a valid event sequence.
/// </summary>
public sealed class SseResponseSink(HttpContext context) : EventStreamSink(context)
{
    /// <summary>The index of the block still open (from its <c>content_block_start</c>), to close it if the stream fails inside it.</summary>
    private int? _openBlock;

    protected override void Write(MessageStreamEvent streamEvent)
    {
        switch (streamEvent.Type)
        {
            case StreamEventTypes.MessageStart:
                MessageOpen = true;
                break;
            case StreamEventTypes.ContentBlockStart:
                _openBlock = streamEvent.IntField("index") ?? 0;
                break;
            case StreamEventTypes.ContentBlockStop:
                _openBlock = null;
                break;
            case StreamEventTypes.MessageStop:
                MessageOpen = false;
                break;
        }

        WriteEvent(streamEvent.Type, streamEvent);
    }

    protected override Task WriteErrorAnswerAsync(BackendFailure failure) => ErrorBodies.WriteFailureAsync(Context, failure);

    protected override void WriteFailure(BackendFailure failure)
    {
        if (_openBlock is { } index)
        {
            // A block left open would make the message_delta below invalid.
            _openBlock = null;
            WriteEvent(StreamEventTypes.ContentBlockStop, new JsonObject
            {
                ["type"] = StreamEventTypes.ContentBlockStop,
                ["index"] = index,
            });
        }

        if (MessageOpen)
        {
            WriteEvent(StreamEventTypes.MessageDelta, new JsonObject
            {
                ["type"] = StreamEventTypes.MessageDelta,
                ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null },
                ["usage"] = new JsonObject { ["output_tokens"] = 0 },
            });
            WriteEvent(StreamEventTypes.MessageStop, new JsonObject { ["type"] = StreamEventTypes.MessageStop });
        }

        WriteEvent(StreamEventTypes.Error, failure.ToAnthropicBody());
    }
}
