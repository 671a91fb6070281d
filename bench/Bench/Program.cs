// The proxy-overhead benchmark. Starts a fake Anthropic API (in this process) and the real ProxyService (its own
// process), both on 127.0.0.1 port 0, and measures the same requests direct-to-fake and via the proxy, alternating
// the two so drift (other load, JIT, GC) falls on both sides alike. It reports ratios proxy/direct, never asserts
// timings. Usage: dotnet run -c Release --project bench/Bench [-- --requests 300 --warmup 500 --deltas 200 --load 3000 --clients 8]
// The soak (mixed traffic for N minutes, resources over time): dotnet run -c Release --project bench/Bench -- soak --minutes 10 --rate 20
using System.Diagnostics;
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
foreach (var dll in new[] { RepositoryPaths.ProxyServiceDll, RepositoryPaths.FrontDoorDll })
{
    if (!File.Exists(dll))
    {
        Console.Error.WriteLine($"Not found: {dll}. Build it: dotnet build -c {configuration} bench/Bench");
        return 1;
    }
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
var quiet = new Dictionary<string, string>
{
    ["Logging:LogLevel:Default"] = "Warning",
    ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
};
var proxy = await ProxyProcess.StartAsync(new Dictionary<string, string>(quiet)
{
    ["Backend:Kind"] = "AnthropicApi",
    ["Backend:BaseUrl"] = fake.BaseUrl,
}, timeout: TimeSpan.FromSeconds(60));

// The floor of any HTTP proxy hop: YARP (AgentRelay's own front door, with the same service defaults and telemetry)
// passing the bytes through to the fake, parsing nothing.
ProxyProcess? yarp = null;
try
{
    yarp = await ProxyProcess.StartAsync(new Dictionary<string, string>(quiet) { ["FrontDoor:Destinations:fake"] = fake.BaseUrl },
        timeout: TimeSpan.FromSeconds(60), dll: RepositoryPaths.FrontDoorDll);
}
catch
{
    await proxy.DisposeAsync();
    throw;
}

using var client = Measurements.CreateClient();
var direct = fake.BaseUrl;
var pass = yarp.BaseUrl;
var via = proxy.BaseUrl;
string[] targets = [direct, pass, via];
Console.Error.WriteLine($"fake {direct}, YARP {pass} (pid {yarp.ProcessId}), proxy {via} (pid {proxy.ProcessId}, {configuration} build)");

try
{
    // :: Sanity: every side answers the same message, streamed and aggregated.
    foreach (var target in targets)
    {
        if (await Measurements.JsonTextAsync(client, target, ct) != fake.Text)
        {
            throw new InvalidOperationException($"{target} answered a different text than the fake sends");
        }
    }

    var directEvents = (await Measurements.StreamAsync(client, direct, ct)).Events;
    var proxyEvents = (await Measurements.StreamAsync(client, via, ct)).Events;

    // :: Warm-up to the steady state a running service is in: at least --warmup rounds, then until the proxy's JIT has
    // settled (tiered compilation recompiles hot code in the background for a while; measuring before that measures
    // the JIT). Then the proxy's memory at rest.
    var warmupRounds = 0;
    var jitBefore = await Measurements.ProxyJitCompiledMethodsAsync(client, via, ct);
    var warmupStart = Stopwatch.GetTimestamp();
    while (true)
    {
        for (var i = 0; i < Settings.WarmupBlock; i++, warmupRounds++)
        {
            foreach (var target in Order(warmupRounds, targets))
            {
                await Measurements.StreamAsync(client, target, ct);
                await Measurements.JsonAsync(client, target, ct);
            }
        }

        var jitNow = await Measurements.ProxyJitCompiledMethodsAsync(client, via, ct);
        var settled = jitNow - jitBefore <= Settings.JitSettledMethods;
        jitBefore = jitNow;
        if ((warmupRounds >= settings.Warmup && settled) || Stopwatch.GetElapsedTime(warmupStart) > Settings.WarmupLimit)
        {
            break;
        }
    }

    Console.Error.WriteLine($"warm-up: {warmupRounds} rounds of a streaming and a JSON request per side in {Stopwatch.GetElapsedTime(warmupStart).TotalSeconds:F0} s");
    var memoryWarm = ProcessMemory.Read(proxy.ProcessId);
    var privateWarm = ProcessMemory.ReadPrivateBytes(proxy.ProcessId);

    // :: Sequential latency, rotating which side goes first every request.
    Console.Error.WriteLine($"latency: {settings.Requests} streaming + {settings.Requests} JSON requests per side");
    var streamed = targets.ToDictionary(t => t, _ => new List<StreamSample>());
    var json = targets.ToDictionary(t => t, _ => new List<double>());
    for (var i = 0; i < settings.Requests; i++)
    {
        foreach (var target in Order(i, targets))
        {
            streamed[target].Add(await Measurements.StreamAsync(client, target, ct));
        }
    }

    for (var i = 0; i < settings.Requests; i++)
    {
        foreach (var target in Order(i, targets))
        {
            json[target].Add(await Measurements.JsonAsync(client, target, ct));
        }
    }

    // :: Throughput: concurrent clients, a fixed number of streaming requests, in rotating rounds.
    Console.Error.WriteLine($"throughput: {settings.Clients} clients, {Settings.LoadRounds} rounds × {settings.Load} requests per side");
    var allocatedBefore = await Measurements.ProxyAllocatedBytesAsync(client, via, ct);
    var rates = targets.ToDictionary(t => t, _ => new List<double>());
    // CPU per request of the process that served each round: the bench itself (client and fake) for direct, the YARP or
    // AgentRelay process for theirs. Unlike requests per second, this hardly moves with other load on the machine.
    var cpuProcess = new Dictionary<string, int> { [direct] = Environment.ProcessId, [pass] = yarp.ProcessId, [via] = proxy.ProcessId };
    var cpu = targets.ToDictionary(t => t, _ => TimeSpan.Zero);
    for (var round = 0; round < Settings.LoadRounds; round++)
    {
        foreach (var target in Order(round, targets))
        {
            var cpuBefore = ProcessMemory.ReadCpuTime(cpuProcess[target]);
            rates[target].Add(await Measurements.ThroughputAsync(client, target, settings.Clients, settings.Load, ct));
            cpu[target] += ProcessMemory.ReadCpuTime(cpuProcess[target]) - cpuBefore;
        }
    }

    var allocatedAfter = await Measurements.ProxyAllocatedBytesAsync(client, via, ct);
    var memoryLoaded = ProcessMemory.Read(proxy.ProcessId);
    var privateLoaded = ProcessMemory.ReadPrivateBytes(proxy.ProcessId);
    var loadAfter = LoadAverage();

    // :: Report.
    Triple Of(Func<string, double> measure) => new(measure(direct), measure(pass), measure(via));
    double P(IEnumerable<double> values, double p) => Measurements.Percentile([.. values], p);
    var ttlb = Of(t => P(streamed[t].Select(s => s.LastByteMs), 50));
    var ttlb95 = Of(t => P(streamed[t].Select(s => s.LastByteMs), 95));
    var ttfe = Of(t => P(streamed[t].Select(s => s.FirstEventMs), 50));
    var ttfe95 = Of(t => P(streamed[t].Select(s => s.FirstEventMs), 95));
    var json50 = Of(t => P(json[t], 50));
    var json95 = Of(t => P(json[t], 95));
    var rate = Of(t => rates[t].Average());
    var cpuPerRequest = Of(t => cpu[t].TotalMilliseconds / (Settings.LoadRounds * settings.Load));
    var proxiedUnderLoad = Settings.LoadRounds * settings.Load;

    var report = new StringBuilder();
    report.AppendLine("# Proxy overhead benchmark").AppendLine();
    report.AppendLine(Invariant($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ProxyService {configuration} build."));
    report.AppendLine(Invariant($"Load average (1/5/15 min) before: {loadBefore}; after: {loadAfter}. The fake upstream, the client, YARP and the proxy share these cores."));
    report.AppendLine();
    report.AppendLine(Invariant($"Parameters: {settings.Deltas} text_delta events of 40 chars ({fake.EventCount} events, {fake.StreamBytes:N0} bytes per streamed reply; the proxy relays {proxyEvents} events, direct {directEvents}); "));
    report.AppendLine(Invariant($"warm-up {warmupRounds} rounds (until the proxy's JIT settled), then {settings.Requests} sequential requests per side and kind, rotating the order of the sides; throughput {settings.Clients} concurrent clients, {Settings.LoadRounds} rounds × {settings.Load} streaming requests per side."));
    report.AppendLine("YARP is AgentRelay's front door (YARP with the same service defaults and telemetry) forwarding to the fake: the cost of an HTTP proxy hop that parses nothing.");
    report.AppendLine();
    report.AppendLine("| Metric | Direct | YARP pass-through | AgentRelay | AgentRelay / direct | YARP / direct |");
    report.AppendLine("|---|---:|---:|---:|---:|---:|");
    Row("Streaming, time to last byte, p50", ttlb, "ms");
    Row("Streaming, time to last byte, p95", ttlb95, "ms");
    Row("Streaming, time to first event, p50", ttfe, "ms");
    Row("Streaming, time to first event, p95", ttfe95, "ms");
    Row("Non-streaming JSON, p50", json50, "ms");
    Row("Non-streaming JSON, p95", json95, "ms");
    Row($"Throughput, {settings.Clients} clients, streaming", rate, "req/s");
    Row("CPU per streamed request under load (direct: client and fake together)", cpuPerRequest, "ms");
    report.AppendLine();
    report.AppendLine("| AgentRelay process | |").AppendLine("|---|---:|");
    report.AppendLine(Invariant($"| RSS after warm-up (VmRSS) | {Mb(memoryWarm?.Rss)} |"));
    report.AppendLine(Invariant($"| RSS after load (VmRSS) | {Mb(memoryLoaded?.Rss)} |"));
    report.AppendLine(Invariant($"| Peak RSS (VmHWM) | {Mb(memoryLoaded?.PeakRss)} |"));
    report.AppendLine(Invariant($"| Private bytes after warm-up / after load | {Mb(privateWarm)} / {Mb(privateLoaded)} |"));
    var allocatedKiB = allocatedBefore is { } before && allocatedAfter is { } after ? (after - before) / proxiedUnderLoad / 1024.0 : (double?)null;
    report.AppendLine(Invariant($"| GC allocations per streaming request (load phase) | {(allocatedKiB is { } k ? $"{k:F0} KiB" : "n/a")} |"));
    report.AppendLine();

    // :: The issue-13 targets, each stated with its measured value and whether it is met.
    var throughputRatio = rate.Proxy / rate.Direct;
    report.AppendLine("Targets (issue 13):").AppendLine();
    Target($"Added latency, streaming to last byte, p50 ≤ {Settings.AddedLatencyTargetMs:F0} ms", ttlb.Proxy - ttlb.Direct, "ms", ttlb.Proxy - ttlb.Direct <= Settings.AddedLatencyTargetMs);
    Target($"Added latency, non-streaming JSON, p50 ≤ {Settings.AddedLatencyTargetMs:F0} ms", json50.Proxy - json50.Direct, "ms", json50.Proxy - json50.Direct <= Settings.AddedLatencyTargetMs);
    Target($"Throughput with {settings.Clients} clients ≥ {Settings.ThroughputRatioTarget:F1}× direct", throughputRatio, "×", throughputRatio >= Settings.ThroughputRatioTarget);
    if (allocatedKiB is { } kib)
    {
        Target($"Allocated per streamed request ≤ {Settings.AllocatedKiBTarget} KiB", kib, "KiB", kib <= Settings.AllocatedKiBTarget);
    }
    else
    {
        report.AppendLine(Invariant($"- Allocated per streamed request ≤ {Settings.AllocatedKiBTarget} KiB: not measured (no /metrics)."));
    }

    report.AppendLine(Invariant($"- (For reference: added time to first event p50 {ttfe.Proxy - ttfe.Direct:F2} ms; YARP adds {ttlb.Yarp - ttlb.Direct:F2} ms streaming, {json50.Yarp - json50.Direct:F2} ms JSON (a pass-through: JSON direct from the fake), throughput {rate.Yarp / rate.Direct:F2}× direct; AgentRelay's throughput is {rate.Proxy / rate.Yarp:F2}× YARP's; its CPU per request {cpuPerRequest.Proxy:F3} ms against YARP's {cpuPerRequest.Yarp:F3} ms.)"));

    Console.WriteLine(report);
    var output = Path.Combine(root, "bench", "results", "latest.md");
    Directory.CreateDirectory(Path.GetDirectoryName(output)!);
    await File.WriteAllTextAsync(output, report.ToString(), ct);
    Console.Error.WriteLine($"written to {output}");
    return 0;

    void Target(string target, double value, string unit, bool met) =>
        report.AppendLine(Invariant($"- {target}: {value:F2} {unit} — {(met ? "met" : "NOT met")}."));

    void Row(string metric, Triple values, string unit) =>
        report.AppendLine(Invariant($"| {metric} | {values.Direct:F2} {unit} | {values.Yarp:F2} {unit} | {values.Proxy:F2} {unit} | {values.Proxy / values.Direct:F2}× | {values.Yarp / values.Direct:F2}× |"));
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
    // Always, even on failure or Ctrl+C: kills each process tree.
    await proxy.DisposeAsync();
    await yarp.DisposeAsync();
}

// The sides rotate: each goes first, second and third in turn, so none always follows another.
static string[] Order(int i, string[] targets) => [.. targets.Skip(i % targets.Length), .. targets.Take(i % targets.Length)];

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

    /// <summary>Warm-up rounds between two looks at the proxy's JIT.</summary>
    public const int WarmupBlock = 250;

    /// <summary>The JIT counts as settled when a warm-up block compiled at most this many methods.</summary>
    public const int JitSettledMethods = 10;

    /// <summary>The warm-up stops here even if the JIT has not settled.</summary>
    public static readonly TimeSpan WarmupLimit = TimeSpan.FromSeconds(60);

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

        return new Settings(Get("requests", 300), Get("warmup", 500), Get("deltas", 200), Get("load", 3000), Get("clients", 8));
    }
}

/// <summary>One measure on the three sides.</summary>
internal readonly record struct Triple(double Direct, double Yarp, double Proxy);
