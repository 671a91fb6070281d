// The proxy-overhead benchmark. Starts a fake Anthropic API (in this process) and the real ProxyService (its own
// process), both on 127.0.0.1 port 0, and measures the same requests direct-to-fake and via the proxy, alternating
// the two so drift (other load, JIT, GC) falls on both sides alike. It reports ratios proxy/direct, never asserts
// timings. Usage: dotnet run -c Release --project bench/Bench [-- --requests 300 --warmup 50 --deltas 200 --load 800 --clients 8]
// The soak (mixed traffic for N minutes, resources over time): dotnet run -c Release --project bench/Bench -- soak --minutes 10 --rate 20
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using AgentRelay.Bench;
using AgentRelay.Tests.Infrastructure;

if (args.FirstOrDefault() == "soak")
{
    return await Soak.RunAsync(args[1..]);
}

var settings = Settings.Parse(args);
var root = RepositoryPaths.Root;
var configuration = RepositoryPaths.Configuration;
var dll = RepositoryPaths.ProxyServiceDll;
if (!File.Exists(dll))
{
    Console.Error.WriteLine($"Not found: {dll}. Build it: dotnet build -c {configuration} ProxyService");
    return 1;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true; // unwind through the finally blocks, which kill the proxy
    cancellation.Cancel();
};
var ct = cancellation.Token;
var loadBefore = LoadAverage();

await using var fake = await FakeUpstream.StartAsync(settings.Deltas, deltaChars: 40);
var proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>
{
    ["Backend:Kind"] = "AnthropicApi",
    ["Backend:BaseUrl"] = fake.BaseUrl,
    ["Logging:LogLevel:Default"] = "Warning",
    ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
}, timeout: TimeSpan.FromSeconds(60));
using var client = Measurements.CreateClient();
var direct = fake.BaseUrl;
var via = proxy.BaseUrl;
Console.Error.WriteLine($"fake {direct}, proxy {via} (pid {proxy.ProcessId}, {configuration} build)");

try
{
    // :: Sanity: both sides answer the same message, streamed and aggregated.
    foreach (var target in new[] { direct, via })
    {
        if (await Measurements.JsonTextAsync(client, target, ct) != fake.Text)
        {
            throw new InvalidOperationException($"{target} answered a different text than the fake sends");
        }
    }

    var directEvents = (await Measurements.StreamAsync(client, direct, ct)).Events;
    var proxyEvents = (await Measurements.StreamAsync(client, via, ct)).Events;

    // :: Warm-up (JIT, connection pools), then the proxy's memory at rest.
    Console.Error.WriteLine($"warm-up: {settings.Warmup} × 2 requests per side");
    for (var i = 0; i < settings.Warmup; i++)
    {
        foreach (var target in Order(i, direct, via))
        {
            await Measurements.StreamAsync(client, target, ct);
            await Measurements.JsonAsync(client, target, ct);
        }
    }

    var memoryWarm = ProcessMemory.Read(proxy.ProcessId);
    var privateWarm = ProcessMemory.ReadPrivateBytes(proxy.ProcessId);

    // :: Sequential latency, alternating sides (and which side goes first) every request.
    Console.Error.WriteLine($"latency: {settings.Requests} streaming + {settings.Requests} JSON requests per side");
    var streamed = new Dictionary<string, List<StreamSample>> { [direct] = [], [via] = [] };
    var json = new Dictionary<string, List<double>> { [direct] = [], [via] = [] };
    for (var i = 0; i < settings.Requests; i++)
    {
        foreach (var target in Order(i, direct, via))
        {
            streamed[target].Add(await Measurements.StreamAsync(client, target, ct));
        }
    }

    for (var i = 0; i < settings.Requests; i++)
    {
        foreach (var target in Order(i, direct, via))
        {
            json[target].Add(await Measurements.JsonAsync(client, target, ct));
        }
    }

    // :: Throughput: concurrent clients, a fixed number of streaming requests, in alternating rounds.
    Console.Error.WriteLine($"throughput: {settings.Clients} clients, {Settings.LoadRounds} rounds × {settings.Load} requests per side");
    var allocatedBefore = await Measurements.ProxyAllocatedBytesAsync(client, via, ct);
    var rates = new Dictionary<string, List<double>> { [direct] = [], [via] = [] };
    for (var round = 0; round < Settings.LoadRounds; round++)
    {
        foreach (var target in Order(round, direct, via))
        {
            rates[target].Add(await Measurements.ThroughputAsync(client, target, settings.Clients, settings.Load, ct));
        }
    }

    var allocatedAfter = await Measurements.ProxyAllocatedBytesAsync(client, via, ct);
    var memoryLoaded = ProcessMemory.Read(proxy.ProcessId);
    var privateLoaded = ProcessMemory.ReadPrivateBytes(proxy.ProcessId);
    var loadAfter = LoadAverage();

    // :: Report.
    double P(IEnumerable<double> values, double p) => Measurements.Percentile([.. values], p);
    var ttlb = (D: P(streamed[direct].Select(s => s.LastByteMs), 50), V: P(streamed[via].Select(s => s.LastByteMs), 50));
    var ttlb95 = (D: P(streamed[direct].Select(s => s.LastByteMs), 95), V: P(streamed[via].Select(s => s.LastByteMs), 95));
    var ttfe = (D: P(streamed[direct].Select(s => s.FirstEventMs), 50), V: P(streamed[via].Select(s => s.FirstEventMs), 50));
    var ttfe95 = (D: P(streamed[direct].Select(s => s.FirstEventMs), 95), V: P(streamed[via].Select(s => s.FirstEventMs), 95));
    var json50 = (D: P(json[direct], 50), V: P(json[via], 50));
    var json95 = (D: P(json[direct], 95), V: P(json[via], 95));
    var rate = (D: rates[direct].Average(), V: rates[via].Average());
    var proxiedUnderLoad = Settings.LoadRounds * settings.Load;

    var report = new StringBuilder();
    report.AppendLine("# Proxy overhead benchmark").AppendLine();
    report.AppendLine(Invariant($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ProxyService {configuration} build."));
    report.AppendLine(Invariant($"Load average (1/5/15 min) before: {loadBefore}; after: {loadAfter}. The fake upstream, the client and the proxy share these cores."));
    report.AppendLine();
    report.AppendLine(Invariant($"Parameters: {settings.Deltas} text_delta events of 40 chars ({fake.EventCount} events, {fake.StreamBytes:N0} bytes per streamed reply; the proxy relays {proxyEvents} events, direct {directEvents}); "));
    report.AppendLine(Invariant($"{settings.Warmup} warm-up + {settings.Requests} sequential requests per side and kind, alternating direct/proxy; throughput {settings.Clients} concurrent clients, {Settings.LoadRounds} rounds × {settings.Load} streaming requests per side."));
    report.AppendLine();
    report.AppendLine("| Metric | Direct | Via proxy | Ratio (proxy/direct) |");
    report.AppendLine("|---|---:|---:|---:|");
    Row("Streaming, time to last byte, p50", ttlb, "ms");
    Row("Streaming, time to last byte, p95", ttlb95, "ms");
    Row("Streaming, time to first event, p50", ttfe, "ms");
    Row("Streaming, time to first event, p95", ttfe95, "ms");
    Row("Non-streaming JSON, p50", json50, "ms");
    Row("Non-streaming JSON, p95", json95, "ms");
    Row($"Throughput, {settings.Clients} clients, streaming", rate, "req/s");
    report.AppendLine(Invariant($"| Proxy RSS after warm-up (VmRSS) | – | {Mb(memoryWarm?.Rss)} | – |"));
    report.AppendLine(Invariant($"| Proxy RSS after load (VmRSS) | – | {Mb(memoryLoaded?.Rss)} | – |"));
    report.AppendLine(Invariant($"| Proxy peak RSS (VmHWM) | – | {Mb(memoryLoaded?.PeakRss)} | – |"));
    report.AppendLine(Invariant($"| Proxy private bytes after warm-up / after load | – | {Mb(privateWarm)} / {Mb(privateLoaded)} | – |"));
    var perRequest = allocatedBefore is { } before && allocatedAfter is { } after ? $"{(after - before) / proxiedUnderLoad / 1024:F0} KiB" : "n/a";
    report.AppendLine(Invariant($"| Proxy GC allocations per streaming request (load phase) | – | {perRequest} | – |"));
    report.AppendLine();

    // :: The issue-13 targets, each stated with its measured value and whether it is met.
    var throughputRatio = rate.V / rate.D;
    var allocatedKiB = allocatedBefore is { } b2 && allocatedAfter is { } a2 ? (a2 - b2) / proxiedUnderLoad / 1024.0 : (double?)null;
    report.AppendLine("Targets (issue 13):").AppendLine();
    Target($"Added latency, streaming to last byte, p50 ≤ {Settings.AddedLatencyTargetMs:F0} ms", ttlb.V - ttlb.D, "ms", ttlb.V - ttlb.D <= Settings.AddedLatencyTargetMs);
    Target($"Added latency, non-streaming JSON, p50 ≤ {Settings.AddedLatencyTargetMs:F0} ms", json50.V - json50.D, "ms", json50.V - json50.D <= Settings.AddedLatencyTargetMs);
    Target($"Throughput with {settings.Clients} clients ≥ {Settings.ThroughputRatioTarget:F1}× direct", throughputRatio, "×", throughputRatio >= Settings.ThroughputRatioTarget);
    if (allocatedKiB is { } kib)
    {
        Target($"Allocated per streamed request ≤ {Settings.AllocatedKiBTarget} KiB", kib, "KiB", kib <= Settings.AllocatedKiBTarget);
    }
    else
    {
        report.AppendLine(Invariant($"- Allocated per streamed request ≤ {Settings.AllocatedKiBTarget} KiB: not measured (no /metrics)."));
    }

    report.AppendLine(Invariant($"- (For reference: added time to first event p50 {ttfe.V - ttfe.D:F2} ms; streaming time to last byte ratio {ttlb.V / ttlb.D:F2}×.)"));

    Console.WriteLine(report);
    var output = Path.Combine(root, "bench", "results", "latest.md");
    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    await File.WriteAllTextAsync(output, report.ToString(), ct);
    Console.Error.WriteLine($"written to {output}");
    return 0;

    void Target(string target, double value, string unit, bool met) =>
        report.AppendLine(Invariant($"- {target}: {value:F2} {unit} — {(met ? "met" : "NOT met")}."));

    void Row(string metric, (double D, double V) pair, string unit) =>
        report.AppendLine(Invariant($"| {metric} | {pair.D:F2} {unit} | {pair.V:F2} {unit} | {pair.V / pair.D:F2}× |"));
}
catch (OperationCanceledException) when (ct.IsCancellationRequested)
{
    Console.Error.WriteLine("cancelled");
    return 130;
}
catch (Exception exception)
{
    Console.Error.WriteLine(exception);
    Console.Error.WriteLine("--- proxy output ---");
    Console.Error.WriteLine(proxy.Output);
    return 1;
}
finally
{
    await proxy.DisposeAsync(); // always, even on failure or Ctrl+C: kills the proxy's whole process tree
}

// Even iterations direct first, odd ones proxy first: neither side always follows the other.
static string[] Order(int i, string direct, string via) => i % 2 == 0 ? [direct, via] : [via, direct];

static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

static string Mb(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB" : "n/a";

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string CpuModel() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";

/// <summary>Command-line parameters (all optional).</summary>
internal sealed record Settings(int Requests, int Warmup, int Deltas, int Load, int Clients)
{
    public const int LoadRounds = 2;

    /// <summary>Issue 13: what the proxy adds at p50 to a streamed and to a JSON request, against the local fake.</summary>
    public const double AddedLatencyTargetMs = 1.0;

    /// <summary>Issue 13: requests per second via the proxy against direct, with the concurrent clients.</summary>
    public const double ThroughputRatioTarget = 0.5;

    /// <summary>Issue 13: GC bytes the proxy allocates per streamed request (205 events, ~31 KB).</summary>
    public const int AllocatedKiBTarget = 30;

    public static Settings Parse(string[] args)
    {
        int Get(string name, int fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
        }

        return new Settings(Get("requests", 300), Get("warmup", 50), Get("deltas", 200), Get("load", 800), Get("clients", 8));
    }
}
