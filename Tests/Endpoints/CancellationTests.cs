using System.Net;
using System.Text;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Endpoints;

/// <summary>A client that goes away cancels the upstream call, over real sockets end to end.</summary>
public sealed class CancellationTests
{
    [Fact]
    public async Task Client_disconnect_mid_stream_aborts_the_upstream_request()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        upstream.Enqueue(Replies.SseReply(AnthropicStreams.Text(new string('a', 200), chunks: 200), TimeSpan.FromMilliseconds(50)));
        await using var proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
        });
        using var client = proxy.CreateAbortingClient();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"stream":true,"messages":[{"role":"user","content":"long"}]}""", Encoding.UTF8, "application/json"),
        };

        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var body = await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken);
            var buffer = new byte[256];
            Assert.True(await body.ReadAsync(buffer, TestContext.Current.CancellationToken) > 0);
        }

        // Disposing the response closed the connection; the upstream must see its request aborted well before the
        // 10 s the full reply would take.
        Assert.Equal(1, await Eventually.GetAsync(() => Volatile.Read(ref upstream.Aborted), aborted => aborted > 0));
        // The status line already said 200; the record says what happened after it.
        var records = await Eventually.GetAsync(
            async () => System.Text.Json.Nodes.JsonNode.Parse(await client.GetStringAsync("/telemetry/requests", TestContext.Current.CancellationToken))!.AsArray(),
            list => list.Count > 0);
        var record = records[0]!;
        Assert.Equal("client_disconnected", record["errorType"]!.GetValue<string>());
        Assert.True(record["committed"]!.GetValue<bool>());
    }
}
