using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.Tests.Endpoints;

/// <summary>
/// How the proxy relays an HTTP upstream's stream: the upstream's own bytes for every event it does not need to
/// change, and never an event held back while the upstream is silent (writes are flushed together, not one by one).
/// </summary>
public sealed class StreamRelayTests : ProxyOverFakeUpstream
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static StringContent StreamingRequest() => new(
        """{"model":"claude-sonnet-4-6","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}""",
        Encoding.UTF8, "application/json");

    private static async Task WriteAsync(HttpContext context, string text)
    {
        await context.Response.WriteAsync(text, Cancel);
        await context.Response.Body.FlushAsync(Cancel);
    }

    [Fact]
    public async Task Delta_events_reach_the_client_as_the_upstream_wrote_them()
    {
        // Spacing, escapes and an unknown field that a parse and re-serialise would all change.
        const string delta = """{ "type" : "content_block_delta", "index":0, "delta": {"type":"text_delta","text":"caf\u00e9 \"x\""}, "extra_field" : [1, 2.50] }""";
        Upstream.Enqueue(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            var events = AnthropicStreams.Text("ab", chunks: 1);
            await WriteAsync(context, $"event: message_start\ndata: {events[0].ToJsonString()}\n\n");
            await WriteAsync(context, $"event: content_block_start\ndata: {events[1].ToJsonString()}\n\n");
            await WriteAsync(context, $"event: content_block_delta\r\ndata: {delta}\r\n\r\n");
            foreach (var data in events.Skip(2).Where(e => e["type"]!.GetValue<string>() != "content_block_delta"))
            {
                await WriteAsync(context, $"event: {data["type"]!.GetValue<string>()}\ndata: {data.ToJsonString()}\n\n");
            }
        });

        var response = await Proxy.CreateClient().PostAsync("/v1/messages", StreamingRequest(), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);

        Assert.Contains($"event: content_block_delta\ndata: {delta}\n\n", body, StringComparison.Ordinal);
        Assert.EndsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_is_sent_while_the_upstream_holds_back_the_next()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Enqueue(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            var events = AnthropicStreams.Text("first second", chunks: 2);
            for (var i = 0; i < events.Count; i++)
            {
                if (i == 4)
                {
                    // The first delta is out; the rest waits for the client to have seen them.
                    await release.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
                }

                await WriteAsync(context, $"event: {events[i]["type"]!.GetValue<string>()}\ndata: {events[i].ToJsonString()}\n\n");
            }
        });

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages") { Content = StreamingRequest() };
        using var response = await Proxy.CreateClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Cancel);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Cancel));
        var seen = new StringBuilder();
        while (!seen.ToString().Contains("\"text\":\"first", StringComparison.Ordinal))
        {
            var line = await reader.ReadLineAsync(Cancel).AsTask().WaitAsync(TimeSpan.FromSeconds(20), Cancel)
                ?? throw new Xunit.Sdk.XunitException($"The stream ended before the first delta: {seen}");
            seen.AppendLine(line);
        }

        release.SetResult();
        var rest = await reader.ReadToEndAsync(Cancel);
        Assert.Contains("event: message_stop", rest, StringComparison.Ordinal);
        Assert.Equal("first second", SseEvents.Text(SseEvents.Parse(seen + rest)));
    }
}
