using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Responses;

/// <summary>
/// What both streaming sinks (Anthropic events, OpenAI chunks) share: the Server-Sent Events response that nothing
/// buffers, the commit at its first byte, writing events straight into the response pipe, flushing, detecting a stream
/// that stopped short, and ending a failed one — a JSON error in the caller's dialect before the commit, the dialect's
/// in-band ending after it. A dialect says how an event is written (<see cref="Write"/>) and how each kind of failure is.
/// </summary>
/// <remarks>
/// Events are written without flushing into a pooled buffer of the sink's own; <c>BackendRelay</c> calls
/// <see cref="FlushAsync"/> whenever the backend has nothing more ready, which hands the buffer to the response pipe in one
/// write and sends it, so every event already read from the upstream leaves together and nothing waits while the upstream
/// is silent. More than <see cref="FlushThreshold"/> bytes waiting are flushed anyway. (Writing each piece of each event
/// straight into Kestrel's pipe took its output lock a dozen times per event: a tenth of the proxy's CPU under load.)
/// </remarks>
public abstract class EventStreamSink(HttpContext context) : IResponseSink
{
    /// <summary>Unflushed bytes that are sent without waiting for the backend to pause.</summary>
    public const int FlushThreshold = 16 * 1024;

    private PendingOutput _output = null!;
    private Utf8JsonWriter? _json;

    public bool Committed { get; private set; }

    /// <summary>Whether a <c>message_start</c> was written and its <c>message_stop</c> not yet.</summary>
    protected bool MessageOpen { get; set; }

    protected HttpContext Context => context;

    public async ValueTask WriteAsync(MessageStreamEvent streamEvent, CancellationToken cancellationToken)
    {
        if (!Committed)
        {
            Committed = true;
            _output = new PendingOutput();
            context.Response.RegisterForDispose(_output);
            await StartEventStreamAsync(context, cancellationToken);
        }

        Write(streamEvent);
        if (_output.WrittenCount >= FlushThreshold)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (Committed && _output.WrittenCount > 0)
        {
            // The pipe copies the bytes before this returns; the buffer is then reused for the next events.
            var written = _output.WrittenMemory;
            _output.Clear();
            await context.Response.BodyWriter.WriteAsync(written, cancellationToken);
        }
    }

    public async ValueTask<BackendFailure?> CompleteAsync(CancellationToken cancellationToken)
    {
        var failure = !Committed ? Incomplete("The upstream ended its response without any event.")
            : MessageOpen ? Incomplete("The upstream stream ended before message_stop.")
            : null;
        if (failure is not null)
        {
            await FailAsync(failure, cancellationToken);
        }

        await FlushAsync(cancellationToken);
        return failure;
    }

    public async ValueTask FailAsync(BackendFailure failure, CancellationToken cancellationToken)
    {
        if (!Committed)
        {
            await WriteErrorAnswerAsync(failure);
            return;
        }

        WriteFailure(failure);
        MessageOpen = false;
        await FlushAsync(cancellationToken);
    }

    public void Reset()
    {
        if (Committed)
        {
            throw new InvalidOperationException("A committed stream cannot be reset.");
        }
    }

    /// <summary>A stream that ended short of a whole message.</summary>
    internal static BackendFailure Incomplete(string message) =>
        new(ProxyError.UpstreamProtocol, StatusCodes.Status502BadGateway, AnthropicErrorTypes.Api, message);

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

    /// <summary>Writes one event (or nothing, or several chunks) in the dialect, without flushing.</summary>
    protected abstract void Write(MessageStreamEvent streamEvent);

    /// <summary>The failure before anything was sent: a JSON error with its status, in the dialect.</summary>
    protected abstract Task WriteErrorAnswerAsync(BackendFailure failure);

    /// <summary>The failure after the commit: whatever ends the stream validly in the dialect, ending with the error.</summary>
    protected abstract void WriteFailure(BackendFailure failure);

    /// <summary><c>event: {name}</c> (when named) and <c>data: {json}</c>, with the event's own JSON bytes.</summary>
    protected void WriteEvent(string? name, MessageStreamEvent streamEvent)
    {
        WriteStart(name);
        streamEvent.WriteJson(_output, _json ??= new Utf8JsonWriter(_output, JsonWire.WriterOptions));
        _output.Write("\n\n"u8);
    }

    /// <summary><c>event: {name}</c> (when named) and <c>data: {json}</c>.</summary>
    protected void WriteEvent(string? name, JsonNode json)
    {
        WriteStart(name);
        JsonWire.Write(_output, json, _json ??= new Utf8JsonWriter(_output, JsonWire.WriterOptions));
        _output.Write("\n\n"u8);
    }

    /// <summary><c>data: {text}</c> as it is (such as OpenAI's <c>[DONE]</c>).</summary>
    protected void WriteData(ReadOnlySpan<byte> text)
    {
        WriteStart(null);
        _output.Write(text);
        _output.Write("\n\n"u8);
    }

    private void WriteStart(string? name)
    {
        if (name is not null)
        {
            _output.Write("event: "u8);
            Encoding.UTF8.GetBytes(name, _output);
            _output.Write("\n"u8);
        }

        _output.Write("data: "u8);
    }

    /// <summary>The events written since the last flush, in an array from the shared pool (returned when the response ends).</summary>
    private sealed class PendingOutput : IBufferWriter<byte>, IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(FlushThreshold + 4096);

        public int WrittenCount { get; private set; }

        public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, WrittenCount);

        public void Clear() => WrittenCount = 0;

        public void Advance(int count) => WrittenCount += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(Reserve(sizeHint));

        public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(Reserve(sizeHint));

        public void Dispose()
        {
            var buffer = Interlocked.Exchange(ref _buffer, []);
            if (buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>Makes room for at least <paramref name="sizeHint"/> more bytes (one when zero); the offset to write at.</summary>
        private int Reserve(int sizeHint)
        {
            var needed = WrittenCount + Math.Max(sizeHint, 1);
            if (needed > _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
                _buffer.AsSpan(0, WrittenCount).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            return WrittenCount;
        }
    }
}
