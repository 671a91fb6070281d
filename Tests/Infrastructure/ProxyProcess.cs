using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// The real ProxyService as its own process on a free loopback port, configured by command-line settings. Killed
/// (with its process tree, by its own id) on dispose.
/// </summary>
public sealed partial class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProxyProcess(Process process) => _process = process;

    public string BaseUrl { get; private set; } = string.Empty;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far (stdout and stderr).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="dll">Another ASP.NET Core app of this repository to run the same way (such as the front door).</param>
    public static async Task<ProxyProcess> StartAsync(IEnumerable<KeyValuePair<string, string>> settings, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null, string? dll = null)
    {
        dll ??= RepositoryPaths.ProxyServiceDll;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        // A clean slate: nothing from the developer's shell decides how the proxy under test behaves.
        foreach (var name in new[] { "ASPNETCORE_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT", "ConnectionStrings__redis", "MAX_CONCURRENT_SESSIONS", "DEBUG_PROXY" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["Logging__Console__FormatterName"] = "simple";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var proxy = new ProxyProcess(process);
        process.OutputDataReceived += (_, e) => proxy.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.OnLine(e.Data);
        process.Exited += (_, _) => proxy._listening.TrySetException(new InvalidOperationException("The proxy exited before listening:\n" + proxy.Output));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            proxy.BaseUrl = await proxy._listening.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }

        return proxy;
    }

    /// <summary>Waits for the process to exit by itself (e.g. a start-up validation failure).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    /// <summary>Starts the process and returns once it exits, for settings that must stop it.</summary>
    public static async Task<(int ExitCode, string Output)> RunUntilExitAsync(IEnumerable<KeyValuePair<string, string>> settings, TimeSpan timeout)
    {
        try
        {
            await using var proxy = await StartAsync(settings, timeout: timeout);
            throw new InvalidOperationException("The proxy started although it should not have:\n" + proxy.Output);
        }
        catch (InvalidOperationException exception) when (exception.Message.StartsWith("The proxy exited before listening", StringComparison.Ordinal))
        {
            return (1, exception.Message);
        }
    }

    /// <summary>
    /// A client that really goes away when a response is disposed: the default handler first drains the rest of the
    /// response for up to two seconds to reuse the connection.
    /// </summary>
    public HttpClient CreateAbortingClient() =>
        new(new SocketsHttpHandler { MaxResponseDrainSize = 0, PooledConnectionLifetime = TimeSpan.Zero }) { BaseAddress = new Uri(BaseUrl) };

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(match.Groups[1].Value);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
        finally
        {
            _process.Dispose();
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
