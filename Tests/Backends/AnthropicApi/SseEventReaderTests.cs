using System.Text;
using AgentRelay.ProxyService.Backends.AnthropicApi;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.Tests.Backends.AnthropicApi;

/// <summary>The upstream SSE reader: the event-stream grammar, whatever way the bytes are cut into reads.</summary>
public sealed class SseEventReaderTests
{
    /// <summary>A stream that returns the given pieces, one per read, as a socket would.</summary>
    private sealed class ChunkedStream(IEnumerable<byte[]> chunks) : Stream
    {
        private readonly Queue<byte[]> _chunks = new(chunks);
        private byte[] _current = [];
        private int _offset;

        public override int Read(byte[] buffer, int offset, int count)
        {
            while (_offset == _current.Length)
            {
                if (!_chunks.TryDequeue(out var next))
                {
                    return 0;
                }

                (_current, _offset) = (next, 0);
            }

            var length = Math.Min(count, _current.Length - _offset);
            Array.Copy(_current, _offset, buffer, offset, length);
            _offset += length;
            return length;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static async Task<List<(string? Name, string Data)>> ReadAllAsync(Stream stream)
    {
        using var reader = new SseEventReader(stream);
        var events = new List<(string?, string)>();
        while (await reader.ReadAsync(CancellationToken.None))
        {
            events.Add((reader.EventName, Encoding.UTF8.GetString(reader.Data.Span)));
        }

        return events;
    }

    /// <summary>The same text cut into pieces of <paramref name="size"/> bytes.</summary>
    private static ChunkedStream Cut(string text, int size) =>
        new(Encoding.UTF8.GetBytes(text).Chunk(size).ToList());

    private const string Stream1 =
        "event: message_start\ndata: {\"type\":\"message_start\"}\n\n" +
        ": a comment\r\nevent: content_block_delta\r\nid: 7\r\nretry: 10\r\ndata:{\"text\":\"é ☃ \\n\"}\r\n\r\n" +
        "event: ping\rdata: {\"type\":\"ping\"}\r\r" +
        "event: custom_kind\ndata: {\"a\":1,\ndata: \"b\":2}\n\n" +
        "data: {\"type\":\"nameless\"}\n\n" +
        "event: no_data\n\n" +
        "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(100_000)]
    public async Task Events_are_the_same_whatever_way_the_bytes_are_cut(int pieceSize)
    {
        var events = await ReadAllAsync(Cut(Stream1, pieceSize));

        Assert.Equal<(string?, string)>(
        [
            ("message_start", "{\"type\":\"message_start\"}"),
            ("content_block_delta", "{\"text\":\"é ☃ \\n\"}"),
            ("ping", "{\"type\":\"ping\"}"),
            ("custom_kind", "{\"a\":1,\n\"b\":2}"),
            (null, "{\"type\":\"nameless\"}"),
            ("message_stop", "{\"type\":\"message_stop\"}"),
        ], events);
    }

    [Fact]
    public async Task An_event_the_stream_ends_inside_is_discarded()
    {
        var events = await ReadAllAsync(Cut("event: ping\ndata: {}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n", 5));

        Assert.Equal<(string?, string)>([("ping", "{}")], events);
    }

    [Fact]
    public async Task An_event_larger_than_the_buffer_is_read_whole()
    {
        var text = new string('x', 100_000);
        var events = await ReadAllAsync(Cut($"event: content_block_delta\ndata: {{\"text\":\"{text}\"}}\n\nevent: ping\ndata: {{}}\n\n", 4096));

        Assert.Equal(2, events.Count);
        Assert.Equal($"{{\"text\":\"{text}\"}}", events[0].Data);
        Assert.Equal(("ping", "{}"), events[1]);
    }

    [Fact]
    public async Task A_borrowed_event_cannot_be_read_once_its_reader_moved_on()
    {
        using var reader = new SseEventReader(Cut("event: ping\ndata: {\"n\":1}\n\nevent: ping\ndata: {\"n\":2}\n\n", 3));
        Assert.True(await reader.ReadAsync(CancellationToken.None));
        var borrowed = MessageStreamEvent.Borrow(reader.EventName!, reader.Data, reader.Version);
        var kept = borrowed.Detach();
        Assert.Equal(1, borrowed.IntField("n"));

        Assert.True(await reader.ReadAsync(CancellationToken.None));

        Assert.Throws<InvalidOperationException>(() => borrowed.Data);
        Assert.Equal(1, kept.Data["n"]!.GetValue<int>());
        Assert.Equal(2, borrowed.Refill("ping", reader.Data).Data["n"]!.GetValue<int>());
    }
}
