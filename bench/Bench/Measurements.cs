using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRelay.Bench;

/// <summary>One streamed reply as the client saw it: milliseconds to the end of the first event and to the last byte.</summary>
public readonly record struct StreamSample(double FirstEventMs, double LastByteMs, int Events);

/// <summary>The requests the bench sends and how it times them. The same client and body go to both targets.</summary>
public static partial class Measurements
{
    private const string Prompt = """{"model":"claude-sonnet-4-6","max_tokens":1024,"messages":[{"role":"user","content":"Say something long."}]""";
    private static readonly byte[] StreamBody = Encoding.UTF8.GetBytes(Prompt + ""","stream":true}""");
    private static readonly byte[] JsonBody = Encoding.UTF8.GetBytes(Prompt + ""","stream":false}""");

    /// <summary>The one client for every request: no proxy, no decompression, connections kept for the whole run.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        MaxConnectionsPerServer = int.MaxValue,
    })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A streaming request read to the last byte, counting SSE events (blank-line separated) as they arrive.</summary>
    public static async Task<StreamSample> StreamAsync(HttpClient client, string baseUrl, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(baseUrl, StreamBody);
        var start = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var events = 0;
            var firstEvent = -1.0;
            byte previous = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b == (byte)'\n' && previous == (byte)'\n')
                    {
                        events++;
                    }

                    previous = b == (byte)'\r' ? previous : b;
                }

                if (firstEvent < 0 && events > 0)
                {
                    firstEvent = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }
            }

            return new StreamSample(firstEvent, Stopwatch.GetElapsedTime(start).TotalMilliseconds, events);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A non-streaming request, read to the last byte; milliseconds.</summary>
    public static async Task<double> JsonAsync(HttpClient client, string baseUrl, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(baseUrl, JsonBody);
        var start = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>The text of a non-streaming reply, to check that both targets answer the same message.</summary>
    public static async Task<string> JsonTextAsync(HttpClient client, string baseUrl, CancellationToken cancellationToken)
    {
        using var request = CreateRequest(baseUrl, JsonBody);
        using var response = await client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{baseUrl} answered {(int)response.StatusCode}: {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("content")[0].GetProperty("text").GetString() ?? string.Empty;
    }

    /// <summary><paramref name="total"/> streaming requests from <paramref name="clients"/> concurrent loops; requests per second.</summary>
    public static async Task<double> ThroughputAsync(HttpClient client, string baseUrl, int clients, int total, CancellationToken cancellationToken)
    {
        var next = -1;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < total)
            {
                await StreamAsync(client, baseUrl, cancellationToken);
            }
        }));
        return total / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// Bytes the proxy's GC has allocated since it started, from its own Prometheus <c>/metrics</c>
    /// (<c>dotnet.gc.heap.total_allocated</c>); null when the metric is not there.
    /// </summary>
    public static async Task<double?> ProxyAllocatedBytesAsync(HttpClient client, string proxyUrl, CancellationToken cancellationToken)
    {
        var text = await client.GetStringAsync(proxyUrl + "/metrics", cancellationToken);
        var match = AllocatedMetric().Match(text);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Methods the proxy's JIT has compiled since it started (<c>dotnet.jit.compiled_methods</c>), tier-up recompilations included.</summary>
    public static async Task<double> ProxyJitCompiledMethodsAsync(HttpClient client, string proxyUrl, CancellationToken cancellationToken)
    {
        var text = await client.GetStringAsync(proxyUrl + "/metrics", cancellationToken);
        var match = JitMetric().Match(text);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Nearest-rank percentile of <paramref name="values"/>, 0 &lt; p ≤ 100.</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private static HttpRequestMessage CreateRequest(string baseUrl, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/v1/messages")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        request.Headers.TryAddWithoutValidation("x-api-key", "bench-not-a-real-key");
        return request;
    }

    [GeneratedRegex(@"^dotnet_gc_heap_total_allocated(?:_bytes)?(?:_total)?(?:\{[^}]*\})? ([0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex AllocatedMetric();

    [GeneratedRegex(@"^dotnet_jit_compiled_methods(?:_total)?(?:\{[^}]*\})? ([0-9.eE+]+)", RegexOptions.Multiline)]
    private static partial Regex JitMetric();
}
