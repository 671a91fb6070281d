using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Bench;

/// <summary>
/// The soak: N minutes of mixed traffic at a fixed rate against the real proxy process (streams, JSON, malformed
/// and oversize bodies, client disconnects mid-stream, rate-limited requests the proxy retries), sampling the
/// proxy's RSS, open handles, threads and child (CLI) processes every few seconds, so a leak shows as a slope. Not a
/// test: it reports, it asserts nothing.
/// </summary>
public static class Soak
{
    private static readonly byte[] s_stream = Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-6","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"soak"}]}""");
    private static readonly byte[] s_json = Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-6","max_tokens":64,"messages":[{"role":"user","content":"soak"}]}""");
    private static readonly byte[] s_malformed = Encoding.UTF8.GetBytes("""{"messages":[{"role":"user","content":"soak"}""");

    private sealed record Sample(TimeSpan At, long Requests, double RssMiB, int Handles, int Threads, int Children);

    public static async Task<int> RunAsync(string[] args)
    {
        var minutes = Get(args, "minutes", 10.0);
        var rate = Get(args, "rate", 20.0);
        var sampleSeconds = Get(args, "sample", 15.0);
        var useCli = args.Contains("--cli");

        await using var fake = await FakeUpstream.StartAsync(deltas: 50, deltaChars: 40);
        var settings = new Dictionary<string, string>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Proxy:MaxRequestBodyBytes"] = (1024 * 1024).ToString(CultureInfo.InvariantCulture),
            ["Retry:BaseDelay"] = "00:00:00.05",
            ["Retry:MaxDelay"] = "00:00:00.2",
        };
        if (useCli)
        {
            settings["Backend:Kind"] = "ClaudeCli";
            settings["Backend:ClaudePath"] = RepositoryPaths.ClaudeCli;
            settings["Backend:Environment:ANTHROPIC_BASE_URL"] = fake.BaseUrl;
            settings["Backend:Environment:ANTHROPIC_API_KEY"] = "sk-soak";
        }
        else
        {
            settings["Backend:Kind"] = "AnthropicApi";
            settings["Backend:BaseUrl"] = fake.BaseUrl;
        }

        await using var proxy = await ProxyProcess.StartAsync(settings, timeout: TimeSpan.FromSeconds(60));
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            BaseAddress = new Uri(proxy.BaseUrl),
            Timeout = TimeSpan.FromSeconds(60),
        };
        var oversize = new byte[1024 * 1024 + 512 * 1024];
        Array.Fill(oversize, (byte)' ');
        var statuses = new ConcurrentDictionary<string, int>();
        var samples = new List<Sample>();
        var inFlight = new ConcurrentDictionary<Task, bool>();
        var duration = TimeSpan.FromMinutes(minutes);
        var watch = Stopwatch.StartNew();
        long sent = 0;
        var nextSample = TimeSpan.Zero;
        Console.Error.WriteLine($"soak: {minutes} min at {rate} requests/s against {proxy.BaseUrl} (pid {proxy.ProcessId}, {(useCli ? "ClaudeCli" : "AnthropicApi")})");

        // :: A fixed rate: request n is sent at n / rate seconds, whatever the previous ones are doing.
        while (watch.Elapsed < duration)
        {
            if (watch.Elapsed >= nextSample)
            {
                samples.Add(Measure(proxy.ProcessId, watch.Elapsed, Interlocked.Read(ref sent)));
                Console.Error.WriteLine(Row(samples[^1]));
                nextSample += TimeSpan.FromSeconds(sampleSeconds);
            }

            var n = Interlocked.Increment(ref sent);
            var task = SendAsync(client, n, oversize, statuses);
            inFlight[task] = true;
            _ = task.ContinueWith(t => inFlight.TryRemove(t, out _), TaskScheduler.Default);
            var due = TimeSpan.FromSeconds(n / rate);
            if (due > watch.Elapsed)
            {
                await Task.Delay(due - watch.Elapsed);
            }
        }

        await Task.WhenAll(inFlight.Keys).WaitAsync(TimeSpan.FromSeconds(60));
        // Idle for a while: what stays after the traffic stops (and children that should have gone).
        await Task.Delay(TimeSpan.FromSeconds(sampleSeconds));
        samples.Add(Measure(proxy.ProcessId, watch.Elapsed, sent));

        var report = Report(samples, statuses, minutes, rate, useCli);
        Console.WriteLine(report);
        var output = Path.Combine(RepositoryPaths.Root, "bench", "results", "soak.md");
        await File.WriteAllTextAsync(output, report);
        Console.Error.WriteLine($"written to {output}");
        return 0;
    }

    private static async Task SendAsync(HttpClient client, long n, byte[] oversize, ConcurrentDictionary<string, int> statuses)
    {
        var kind = (n % 20) switch
        {
            < 8 => "stream",
            < 12 => "json",
            < 14 => "malformed",
            14 => "oversize",
            < 17 => "disconnect",
            _ => "retry",
        };
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
            {
                Content = new ByteArrayContent(kind switch
                {
                    "json" => s_json,
                    "malformed" => s_malformed,
                    "oversize" => oversize,
                    _ => s_stream,
                }),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (kind == "retry")
            {
                request.Headers.TryAddWithoutValidation("x-soak-rate-limit", "1");
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[kind == "disconnect" ? 64 : 16 * 1024];
            if (kind == "disconnect")
            {
                // Read the first bytes, then hang up (disposing the response closes the connection: no drain).
                _ = await body.ReadAsync(buffer);
            }
            else
            {
                while (await body.ReadAsync(buffer) > 0)
                {
                }
            }

            statuses.AddOrUpdate($"{kind} {(int)response.StatusCode}", 1, (_, count) => count + 1);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or TaskCanceledException)
        {
            statuses.AddOrUpdate($"{kind} {exception.GetType().Name}", 1, (_, count) => count + 1);
        }
    }

    private static Sample Measure(int pid, TimeSpan at, long requests)
    {
        var rss = ProcessMemory.Read(pid)?.Rss ?? 0;
        var threads = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Threads:", StringComparison.Ordinal))?.Split('\t', ' ').Last(s => s.Length > 0);
        return new Sample(at, requests, rss / 1048576.0, Directory.GetFiles($"/proc/{pid}/fd").Length,
            int.Parse(threads ?? "0", CultureInfo.InvariantCulture), Descendants(pid));
    }

    private static int Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                }
            }
        }

        var count = 0;
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var (pid, ppid) in parents.Where(p => p.Value == parent))
            {
                count++;
                frontier.Enqueue(pid);
            }
        }

        return count;
    }

    private static string Row(Sample s) => string.Create(CultureInfo.InvariantCulture,
        $"| {s.At.TotalMinutes:F1} | {s.Requests} | {s.RssMiB:F1} | {s.Handles} | {s.Threads} | {s.Children} |");

    private static string Report(List<Sample> samples, ConcurrentDictionary<string, int> statuses, double minutes, double rate, bool cli)
    {
        var report = new StringBuilder();
        report.AppendLine("# Soak").AppendLine();
        report.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {minutes} min at {rate} requests/s, backend {(cli ? "ClaudeCli (real CLI)" : "AnthropicApi (loopback fake)")}; load average now {File.ReadAllText("/proc/loadavg").Trim()}."));
        report.AppendLine("Traffic per 20 requests: 8 streams, 4 JSON, 2 malformed (400), 1 oversize body (413), 3 client disconnects mid-stream, 2 rate-limited once then retried.").AppendLine();
        report.AppendLine("| minute | requests sent | RSS MiB | handles | threads | child processes |");
        report.AppendLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var sample in samples)
        {
            report.AppendLine(Row(sample));
        }

        // Least-squares slope over the second half (after warm-up), per minute.
        var tail = samples.Skip(samples.Count / 2).ToList();
        double Slope(Func<Sample, double> value)
        {
            var mx = tail.Average(s => s.At.TotalMinutes);
            var my = tail.Average(value);
            var num = tail.Sum(s => (s.At.TotalMinutes - mx) * (value(s) - my));
            var den = tail.Sum(s => Math.Pow(s.At.TotalMinutes - mx, 2));
            return den == 0 ? 0 : num / den;
        }

        report.AppendLine();
        report.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Slope over the second half: RSS {Slope(s => s.RssMiB):+0.00;-0.00} MiB/min, handles {Slope(s => s.Handles):+0.0;-0.0}/min, threads {Slope(s => s.Threads):+0.0;-0.0}/min; child processes at the end: {samples[^1].Children}."));
        report.AppendLine().AppendLine("Outcomes: " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
        return report.ToString();
    }

    private static double Get(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, "--" + name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
