using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// Writes events as Server-Sent Events without buffering: one flush per event, <c>Cache-Control: no-cache</c>.
/// A failure before the first event is a plain JSON error with its status; after it, the stream is closed properly
/// (<c>content_block_stop</c> when a block was open, then <c>message_delta</c> and <c>message_stop</c> when a message
/// was open) and ends with <c>event: error</c>, so the client always sees a valid event sequence.
/// </summary>
public sealed class SseResponseSink(HttpContext context) : IResponseSink
{
    private bool _messageOpen;

    /// <summary>The <c>content_block_start</c> of the block still open; read only if the stream fails inside it.</summary>
    private MessageStreamEvent? _openBlock;

    public bool Committed { get; private set; }

    public async ValueTask WriteAsync(MessageStreamEvent streamEvent, CancellationToken cancellationToken)
    {
        if (!Committed)
        {
            await StartAsync(cancellationToken);
        }

        switch (streamEvent.Type)
        {
            case StreamEventTypes.MessageStart:
                _messageOpen = true;
                break;
            case StreamEventTypes.ContentBlockStart:
                _openBlock = streamEvent;
                break;
            case StreamEventTypes.ContentBlockStop:
                _openBlock = null;
                break;
            case StreamEventTypes.MessageStop:
                _messageOpen = false;
                break;
        }

        await WriteEventAsync(streamEvent.Type, streamEvent.ToJson(), cancellationToken);
    }

    public async ValueTask<BackendFailure?> CompleteAsync(CancellationToken cancellationToken)
    {
        var failure = !Committed ? Incomplete("The upstream ended its response without any event.")
            : _messageOpen ? Incomplete("The upstream stream ended before message_stop.")
            : null;
        if (failure is not null)
        {
            await FailAsync(failure, cancellationToken);
        }

        return failure;
    }

    internal static BackendFailure Incomplete(string message) =>
        new(ProxyError.UpstreamProtocol, StatusCodes.Status502BadGateway, AnthropicErrorTypes.Api, message);

    public async ValueTask FailAsync(BackendFailure failure, CancellationToken cancellationToken)
    {
        if (!Committed)
        {
            await ErrorBodies.WriteFailureAsync(context, failure);
            return;
        }

        if (_openBlock is { } block)
        {
            // A block left open would make the message_delta below invalid; its index is read only now.
            _openBlock = null;
            await WriteEventAsync(StreamEventTypes.ContentBlockStop, new JsonObject
            {
                ["type"] = StreamEventTypes.ContentBlockStop,
                ["index"] = block.Data["index"]?.DeepClone() ?? 0,
            }, cancellationToken);
        }

        if (_messageOpen)
        {
            _messageOpen = false;
            await WriteEventAsync(StreamEventTypes.MessageDelta, new JsonObject
            {
                ["type"] = StreamEventTypes.MessageDelta,
                ["delta"] = new JsonObject { ["stop_reason"] = "end_turn", ["stop_sequence"] = null },
                ["usage"] = new JsonObject { ["output_tokens"] = 0 },
            }, cancellationToken);
            await WriteEventAsync(StreamEventTypes.MessageStop, new JsonObject { ["type"] = StreamEventTypes.MessageStop }, cancellationToken);
        }

        await WriteEventAsync(StreamEventTypes.Error, failure.ToAnthropicBody(), cancellationToken);
    }

    public void Reset()
    {
        if (Committed)
        {
            throw new InvalidOperationException("A committed stream cannot be reset.");
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        Committed = true;
        await StartEventStreamAsync(context, cancellationToken);
    }

    /// <summary>Starts a Server-Sent Events response that nothing buffers: not the server, not a proxy in front.</summary>
    public static Task StartEventStreamAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        // Tells nginx-like front ends not to buffer either.
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        return response.StartAsync(cancellationToken);
    }

    private Task WriteEventAsync(string type, JsonObject data, CancellationToken cancellationToken) =>
        WriteEventAsync(type, data.ToJsonString(JsonDefaults.Options), cancellationToken);

    private async Task WriteEventAsync(string type, string json, CancellationToken cancellationToken)
    {
        // Straight into the response pipe, piece by piece: no intermediate string per event.
        var writer = context.Response.BodyWriter;
        Encoding.UTF8.GetBytes("event: ", writer);
        Encoding.UTF8.GetBytes(type, writer);
        Encoding.UTF8.GetBytes("\ndata: ", writer);
        Encoding.UTF8.GetBytes(json, writer);
        Encoding.UTF8.GetBytes("\n\n", writer);
        await writer.FlushAsync(cancellationToken);
    }
}
