using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Faults;

/// <summary>
/// Clients that misbehave, against the real proxy process: slow headers, slow bodies, too many connections, and
/// 10,000 seeded malformed bodies. Timeouts are shortened through the documented <c>Kestrel:Limits</c> settings.
/// </summary>
[Trait("Category", "Faults")]
public sealed class ClientFaultTests : ProxyProcessOverFakeUpstream
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:02",
        ["Kestrel:Limits:MinRequestBodyGracePeriod"] = "00:00:02",
        ["Kestrel:Limits:MaxConcurrentConnections"] = "40",
    };

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new Uri(Proxy.BaseUrl) is var uri ? new IPEndPoint(IPAddress.Loopback, uri.Port) : null!, Cancel);
        return socket;
    }

    /// <summary>Sends <paramref name="bytes"/> one byte at a time until the server closes the connection; returns when, and what it answered.</summary>
    private static async Task<(TimeSpan ClosedAfter, string Answer)> TrickleUntilClosedAsync(Socket socket, byte[] bytes, TimeSpan interval, TimeSpan giveUp)
    {
        var watch = Stopwatch.StartNew();
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        var reading = ReadAllAsync();
        foreach (var b in bytes)
        {
            if (reading.IsCompleted || watch.Elapsed > giveUp)
            {
                break;
            }

            try
            {
                await socket.SendAsync(new[] { b }, Cancel);
            }
            catch (SocketException)
            {
                break;
            }

            await Task.WhenAny(reading, Task.Delay(interval, Cancel));
        }

        await Task.WhenAny(reading, Task.Delay(giveUp - watch.Elapsed > TimeSpan.Zero ? giveUp - watch.Elapsed : TimeSpan.Zero, Cancel));
        return (reading.IsCompleted ? await reading : TimeSpan.MaxValue, answer.ToString());

        async Task<TimeSpan> ReadAllAsync()
        {
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, Cancel)) > 0)
                {
                    answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
                }
            }
            catch (SocketException)
            {
                // Reset: closed too.
            }

            return watch.Elapsed;
        }
    }

    [Fact]
    public async Task A_client_sending_its_headers_one_byte_at_a_time_is_disconnected_after_the_header_timeout()
    {
        using var socket = await ConnectAsync();
        var headers = Encoding.ASCII.GetBytes("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Padding: " + new string('a', 200) + "\r\n\r\n");

        var (closedAfter, answer) = await TrickleUntilClosedAsync(socket, headers, TimeSpan.FromMilliseconds(100), giveUp: TimeSpan.FromSeconds(25));

        // 2 s configured (Kestrel checks once a second); before the limits were set, Kestrel's default was 30 s. The
        // bound leaves room for a heavily loaded machine and stays well under 30 s.
        Assert.True(closedAfter < TimeSpan.FromSeconds(20), $"still open after {closedAfter}");
        Assert.DoesNotContain(" 200 ", answer, StringComparison.Ordinal);
        await FaultAssertions.AssertHealthyAsync(Proxy);
    }

    [Fact]
    public async Task A_client_trickling_its_body_is_disconnected_after_the_minimum_body_rate_grace_period()
    {
        using var socket = await ConnectAsync();
        var headers = Encoding.ASCII.GetBytes("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n");
        await socket.SendAsync(headers, Cancel);
        var body = Encoding.ASCII.GetBytes("{\"messages\":[" + new string(' ', 4980) + "]}");

        var (closedAfter, answer) = await TrickleUntilClosedAsync(socket, body, TimeSpan.FromMilliseconds(100), giveUp: TimeSpan.FromSeconds(40));

        // 2 s grace configured; the bound is a hang guard (the 5,000-byte body would take 500 s at this pace).
        Assert.True(closedAfter < TimeSpan.FromSeconds(35), $"still open after {closedAfter}");
        // Either Kestrel's own 408 or a closed connection; never a request that went upstream.
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.Empty(Upstream.Requests);
        await FaultAssertions.AssertHealthyAsync(Proxy);
    }

    [Fact]
    public async Task Connections_beyond_the_maximum_are_refused_and_served_again_once_others_close()
    {
        var held = new List<Socket>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                held.Add(await ConnectAsync());
            }

            // Accepted connections are counted once Kestrel has dispatched them; give it a moment.
            await Task.Delay(500, Cancel);
            using var refusedClient = new HttpClient { BaseAddress = new Uri(Proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(10) };
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => refusedClient.GetAsync("/alive", Cancel));
        }
        finally
        {
            foreach (var socket in held)
            {
                socket.Dispose();
            }
        }

        Assert.NotNull(await Processes.WaitUntilAsync(() =>
        {
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri(Proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(2) };
                return client.GetAsync("/alive").Result.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception exception) when (exception is AggregateException or HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(10)));
        await FaultAssertions.AssertHealthyAsync(Proxy);
    }

    [Fact]
    public async Task Ten_thousand_seeded_malformed_bodies_get_clear_4xx_answers_in_the_callers_dialect()
    {
        var random = new Random(20261129);
        var bodies = Enumerable.Range(0, 10_000).Select(i => i % 4 == 3
            ? (Path: "/v1/chat/completions", Body: MalformedBodies.Next(random, i, syntaxOnly: true))
            : (Path: "/v1/messages", Body: MalformedBodies.Next(random, i))).ToArray();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 }) { BaseAddress = new Uri(Proxy.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        var statuses = new int[bodies.Length];
        var next = -1;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < bodies.Length)
            {
                var (path, body) = bodies[i];
                using var content = new ByteArrayContent(body.Bytes);
                content.Headers.TryAddWithoutValidation("Content-Type", body.ContentType);
                using var response = await client.PostAsync(path, content, Cancel);
                var text = await response.Content.ReadAsStringAsync(Cancel);
                statuses[i] = (int)response.StatusCode;
                Assert.True(statuses[i] is >= 400 and < 500, $"#{i} {path} got {statuses[i]} for {body.Describe()}: {text}");
                var json = JsonNode.Parse(text)!;
                if (path == "/v1/chat/completions")
                {
                    Assert.False(string.IsNullOrEmpty(json["error"]!["message"]!.GetValue<string>()), text);
                }
                else
                {
                    Assert.Equal("error", json["type"]!.GetValue<string>());
                    Assert.False(string.IsNullOrEmpty(json["error"]!["message"]!.GetValue<string>()), text);
                }
            }
        }));

        Assert.Empty(Upstream.Requests);
        await FaultAssertions.AssertHealthyAsync(Proxy);
        await FaultAssertions.AssertNoChildProcessesAsync(Proxy);
    }
}
