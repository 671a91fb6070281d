using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// The built AppHost as a real process, started the way a user starts it (<c>dotnet AppHost.dll</c>), with the Aspire
/// dashboard on free loopback ports and a known telemetry API key. Disposing stops it with SIGTERM (the orchestrator
/// then stops everything it started) and, failing that, kills it by its own pid.
/// </summary>
public sealed partial class AppHostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _login = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppHostProcess(Process process, string dashboardUrl, string apiKey)
    {
        _process = process;
        DashboardUrl = dashboardUrl;
        DashboardApiKey = apiKey;
    }

    /// <summary>The front door's URL, as the AppHost announced it.</summary>
    public string ProxyUrl { get; private set; } = string.Empty;

    public string DashboardUrl { get; }

    /// <summary>The dashboard's one-time login URL, as printed on the console.</summary>
    public string DashboardLoginUrl { get; private set; } = string.Empty;

    /// <summary>The <c>x-api-key</c> of the dashboard's telemetry API (<c>AppHost__DashboardApiKey</c>).</summary>
    public string DashboardApiKey { get; }

    public int Pid => _process.Id;

    public string Output => string.Join('\n', _output);

    public static async Task<AppHostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken, params string[] args)
    {
        var assembly = typeof(AppHostProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "AppHostAssembly").Value!;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(assembly);
        foreach (var argument in args.Prepend("0").Prepend("--port"))
        {
            info.ArgumentList.Add(argument);
        }

        // What the launch profile gives `dotnet run`, on free ports instead of 18888-18890.
        var dashboardUrl = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var apiKey = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        info.Environment["ASPNETCORE_URLS"] = dashboardUrl;
        info.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        info.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        info.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        info.Environment["AppHost__DashboardApiKey"] = apiKey;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var host = new AppHostProcess(Process.Start(info)!, dashboardUrl, apiKey);
        host._process.OutputDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.OnLine(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        try
        {
            host.DashboardLoginUrl = await host._login.Task.WaitAsync(TimeSpan.FromSeconds(180), cancellationToken);
            host.ProxyUrl = await host._listening.Task.WaitAsync(TimeSpan.FromSeconds(180), cancellationToken);
            await host.WaitForHealthyReplicaAsync(TimeSpan.FromSeconds(180), cancellationToken);
            return host;
        }
        catch
        {
            var output = host.Output;
            await host.DisposeAsync();
            throw new InvalidOperationException("The AppHost did not become ready. Its output:\n" + output);
        }
    }

    /// <summary>The front door is up before the replicas are: wait until one answers its <c>/health</c> with 200.</summary>
    private async Task WaitForHealthyReplicaAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(ProxyUrl + "/health", cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException("No replica became healthy behind the front door.");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _listening.TrySetException(new InvalidOperationException("The AppHost exited."));
            _login.TrySetException(new InvalidOperationException("The AppHost exited."));
            return;
        }

        _output.Enqueue(line);
        if (ListeningLine().Match(line) is { Success: true } listening)
        {
            _listening.TrySetResult(listening.Groups["url"].Value);
        }

        if (LoginLine().Match(line) is { Success: true } login)
        {
            _login.TrySetResult(login.Groups["url"].Value);
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
        await StopAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
    }

    [GeneratedRegex(@"AgentRelay is listening on (?<url>http://\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"Login to the dashboard at (?<url>http://\S+)")]
    private static partial Regex LoginLine();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
