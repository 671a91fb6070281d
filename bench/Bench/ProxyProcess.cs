using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AgentRelay.Bench;

/// <summary>
/// The real ProxyService as its own process (<c>dotnet ProxyService.dll</c>) on 127.0.0.1, port 0, forwarding to
/// <paramref name="backendUrl"/>. Its address comes from the "Now listening on" line. Disposing kills it with its
/// whole process tree, by its own <see cref="Process"/> object.
/// </summary>
public sealed partial class ProxyProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<string> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProxyProcess(Process process) => _process = process;

    public string BaseUrl { get; private set; } = string.Empty;

    public int Id => _process.Id;

    public static async Task<ProxyProcess> StartAsync(string dll, string backendUrl)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var argument in new[]
        {
            dll,
            "--urls=http://127.0.0.1:0",
            "--Backend:Kind=AnthropicApi",
            $"--Backend:BaseUrl={backendUrl}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information",
            "--Logging:Console:FormatterName=simple",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing from the caller's shell changes what is measured (no OTLP export, no Redis, no other port).
        foreach (var name in new[] { "ASPNETCORE_URLS", "OTEL_EXPORTER_OTLP_ENDPOINT", "ConnectionStrings__redis", "MAX_CONCURRENT_SESSIONS", "DEBUG_PROXY", "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT" })
        {
            start.Environment.Remove(name);
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
            proxy.BaseUrl = await proxy._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return proxy;
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    /// <summary>Everything the process wrote (stdout and stderr).</summary>
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

    /// <summary>VmRSS and VmHWM (peak RSS) from /proc/&lt;pid&gt;/status, in bytes; null where /proc is missing.</summary>
    public (long Rss, long PeakRss)? ReadMemory()
    {
        var path = $"/proc/{_process.Id}/status";
        if (!File.Exists(path))
        {
            return null;
        }

        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return (rss, peak);

        static long Kilobytes(string line) =>
            1024 * long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Private bytes (the runtime's view: <see cref="Process.PrivateMemorySize64"/>, VmData+stack on Linux).</summary>
    public long ReadPrivateBytes()
    {
        _process.Refresh();
        return _process.PrivateMemorySize64;
    }

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

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }
        finally
        {
            _process.Dispose();
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
