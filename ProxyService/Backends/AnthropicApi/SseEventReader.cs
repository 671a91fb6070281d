using System.Buffers;
using System.Text;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends.AnthropicApi;

/// <summary>
/// Reads Server-Sent Events (the WHATWG event-stream grammar: <c>\n</c>, <c>\r\n</c> or <c>\r</c> line ends,
/// <c>field: value</c> lines, comments, several <c>data:</c> lines joined by <c>\n</c>, a blank line ending an event) into
/// one pooled buffer, without a string per event: <see cref="Data"/> is a slice of that buffer, valid until the next
/// <see cref="ReadAsync"/> (<see cref="Version"/> says when it moved on). An event the stream ends inside is discarded,
/// as the grammar says.
/// </summary>
internal sealed class SseEventReader(Stream stream) : IDisposable
{
    private const int InitialSize = 16 * 1024;

    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    private int _start;
    private int _end;
    private bool _ended;

    /// <summary>Advanced before the buffer is overwritten: events borrowing the previous bytes become unreadable.</summary>
    public BufferVersion Version { get; } = new();

    /// <summary>The <c>event:</c> name, or <see langword="null"/> when the event had none.</summary>
    public string? EventName { get; private set; }

    /// <summary>The event's data (its <c>data:</c> lines joined); empty when it had none.</summary>
    public ReadOnlyMemory<byte> Data { get; private set; }

    /// <summary>Reads the next event; <see langword="false"/> at the end of the stream.</summary>
    public async ValueTask<bool> ReadAsync(CancellationToken cancellationToken)
    {
        Version.Advance();
        while (true)
        {
            if (FindEventEnd(_start) is var (eventEnd, next) && eventEnd >= 0)
            {
                var eventStart = _start;
                _start = next;
                if (Parse(eventStart, eventEnd))
                {
                    return true;
                }

                continue;
            }

            if (_ended)
            {
                return false;
            }

            // Not a whole event yet: keep what is buffered at the front, grow if it fills the buffer, read more.
            var pending = _end - _start;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, pending);
                _start = 0;
                _end = pending;
            }

            if (_end == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                Buffer.BlockCopy(_buffer, 0, larger, 0, _end);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            _end += read;
            _ended = read == 0;
        }
    }

    /// <summary>
    /// The end of the first event at or after <paramref name="from"/> (the index of its blank line) and where the next
    /// one starts; (-1, -1) when the buffer holds no whole event yet. At the end of the stream, a last line without a
    /// line end counts as a line, but an event without its blank line is still incomplete.
    /// </summary>
    private (int EventEnd, int Next) FindEventEnd(int from)
    {
        var lineStart = from;
        while (lineStart < _end)
        {
            var length = _buffer.AsSpan(lineStart, _end - lineStart).IndexOfAny((byte)'\r', (byte)'\n');
            if (length < 0)
            {
                return (-1, -1);
            }

            var lineEnd = lineStart + length;
            var next = lineEnd + 1;
            if (_buffer[lineEnd] == '\r')
            {
                if (next == _end && !_ended)
                {
                    // A '\r' last in the buffer may be the first half of "\r\n".
                    return (-1, -1);
                }

                if (next < _end && _buffer[next] == '\n')
                {
                    next++;
                }
            }

            if (length == 0)
            {
                return (lineStart, next);
            }

            lineStart = next;
        }

        return (-1, -1);
    }

    /// <summary>Applies the lines of one event; whether it is dispatched (it has data).</summary>
    private bool Parse(int start, int end)
    {
        EventName = null;
        Data = ReadOnlyMemory<byte>.Empty;
        byte[]? joined = null;
        var dataLines = 0;
        var position = start;
        while (position < end)
        {
            var span = _buffer.AsSpan(position, end - position);
            var length = span.IndexOfAny((byte)'\r', (byte)'\n');
            var line = _buffer.AsMemory(position, length);
            position += length + 1;
            if (position < end && _buffer[position - 1] == '\r' && _buffer[position] == '\n')
            {
                position++;
            }

            var colon = line.Span.IndexOf((byte)':');
            if (colon == 0)
            {
                continue; // a comment
            }

            var name = colon < 0 ? line.Span : line.Span[..colon];
            var value = colon < 0 ? ReadOnlyMemory<byte>.Empty : line[(colon + 1)..];
            if (value.Span is [(byte)' ', ..])
            {
                value = value[1..];
            }

            if (name.SequenceEqual("event"u8))
            {
                EventName = NameOf(value.Span);
            }
            else if (name.SequenceEqual("data"u8))
            {
                // One data line (always, from Anthropic) stays in the buffer; several are joined into an array of their own.
                if (dataLines++ == 0)
                {
                    Data = value;
                }
                else
                {
                    joined = [.. Data.Span, (byte)'\n', .. value.Span];
                    Data = joined;
                }
            }
        }

        return dataLines > 0;
    }

    /// <summary>The event names Anthropic sends, without a string per event.</summary>
    private static string NameOf(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("content_block_delta"u8) => StreamEventTypes.ContentBlockDelta,
        _ when name.SequenceEqual("content_block_start"u8) => StreamEventTypes.ContentBlockStart,
        _ when name.SequenceEqual("content_block_stop"u8) => StreamEventTypes.ContentBlockStop,
        _ when name.SequenceEqual("message_start"u8) => StreamEventTypes.MessageStart,
        _ when name.SequenceEqual("message_delta"u8) => StreamEventTypes.MessageDelta,
        _ when name.SequenceEqual("message_stop"u8) => StreamEventTypes.MessageStop,
        _ when name.SequenceEqual("ping"u8) => StreamEventTypes.Ping,
        _ when name.SequenceEqual("error"u8) => StreamEventTypes.Error,
        _ => Encoding.UTF8.GetString(name),
    };

    public void Dispose()
    {
        Version.Advance();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
