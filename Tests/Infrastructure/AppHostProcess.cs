using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// The built AppHost as a real process, started the way a user starts it (<c>dotnet AppHost.dll --replicas N</c>),
/// with free ports and its own state folder. Disposing stops it with SIGTERM and, failing that, kills its process
/// tree by its own PID; the state folder is deleted.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Match> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _stateDirectory;

    private AppHostProcess(Process process, string stateDirectory)
    {
        _process = process;
        _stateDirectory = stateDirectory;
    }

    public string ProxyUrl { get; private set; } = string.Empty;

    public string DashboardUrl { get; private set; } = string.Empty;

    public int Pid => _process.Id;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };

    public string Output => string.Join('\n', _output);

    public static async Task<AppHostProcess> StartAsync(int replicas, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, params string[] extraArgs)
    {
        var stateDirectory = Directory.CreateTempSubdirectory("agentrelay-apphost-").FullName;
        var assembly = typeof(AppHostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "AppHostAssembly").Value!;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { assembly, "--replicas", replicas.ToString(System.Globalization.CultureInfo.InvariantCulture), "--port", "0", "--dashboard-port", "0", "--state-dir", stateDirectory, "--shutdown-timeout", "5" })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var argument in extraArgs)
        {
            info.ArgumentList.Add(argument);
        }

        // Configuration the proxies inherit; nothing of the test runner's own ASP.NET settings.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var host = new AppHostProcess(Process.Start(info)!, stateDirectory);
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        try
        {
            var ready = await host._ready.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            host.ProxyUrl = ready.Groups["proxy"].Value;
            host.DashboardUrl = ready.Groups["dashboard"].Value;
            return host;
        }
        catch
        {
            var output = host.Output;
            await host.DisposeAsync();
            throw new InvalidOperationException("The AppHost did not become ready. Its output:\n" + output);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _ready.TrySetException(new InvalidOperationException("The AppHost exited."));
            return;
        }

        _output.Enqueue(line);
        if (ReadyLine().Match(line) is { Success: true } match)
        {
            _ready.TrySetResult(match);
        }
    }

    public async Task<JsonArray> ResourcesAsync(CancellationToken cancellationToken) =>
        JsonNode.Parse(await Http.GetStringAsync(DashboardUrl + "/api/resources", cancellationToken))!.AsArray();

    /// <summary>Polls the dashboard's resources until <paramref name="condition"/> holds.</summary>
    public async Task<JsonArray> WaitForResourcesAsync(Func<JsonArray, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var resources = await ResourcesAsync(cancellationToken);
            if (condition(resources))
            {
                return resources;
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Resources never reached the expected state: {resources.ToJsonString()}\nAppHost output:\n{Output}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>SIGTERM, as a service manager or Ctrl+C would send; returns the exit code, or null if it had to be killed.</summary>
    public async Task<int?> StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return _process.ExitCode;
        }

        _ = kill(_process.Id, 15);
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await StopAsync(TimeSpan.FromSeconds(15));
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Ready\. proxy: (?<proxy>http://[^;]+); dashboard: (?<dashboard>http://\S+)")]
    private static partial Regex ReadyLine();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
