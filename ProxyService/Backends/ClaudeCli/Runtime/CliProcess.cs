using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using AgentRelay.ProxyService.Core;

using AgentRelay.ProxyService.Security;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// One running CLI: JSON lines in on stdin, JSON lines out on stdout, stderr kept as a bounded tail. Stopping is always
/// the same sequence (interrupt, close stdin, wait <see cref="GracePeriod"/>, kill the process tree) and always ends
/// with the process reaped.
/// </summary>
public sealed partial class CliProcess : IAsyncDisposable
{
    /// <summary>How long a CLI may take to exit on its own before its process tree is killed.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(1);

    /// <summary>How long output still in the pipe is read after the process exited.</summary>
    private static readonly TimeSpan s_exitDrain = TimeSpan.FromMilliseconds(500);

    private static readonly Encoding s_utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private readonly Process _process;
    private readonly CliProcessRegistry _registry;
    private readonly ILogger _logger;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly TaskCompletionSource _responsive = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _stdoutPump;
    private readonly Task _stderrPump;
    private readonly Task _exitWatch;
    private bool _stdinClosed;
    private int _interrupts;

    private CliProcess(Process process, CliProcessRegistry registry, ILogger logger)
    {
        _process = process;
        _registry = registry;
        _logger = logger;
        Id = process.Id;
        _stdoutPump = PumpStdoutAsync();
        _stderrPump = PumpStderrAsync();
        _exitWatch = WatchExitAsync();
    }

    public int Id { get; }

    public StderrTail Stderr { get; } = new();

    public bool HasExited => _process.HasExited;

    /// <summary>Completes at the process's first line of output (or the end of its output): it has finished starting
    /// and reads its input. A pooled process is asked something harmless at spawn to find out (<see cref="StreamJson.ReadinessProbe"/>).</summary>
    public Task Responsive => _responsive.Task;

    /// <summary>Whether it was started at a lowered CPU priority (<see cref="CliPriority"/>) that is still to be restored.</summary>
    public bool LowPriority { get; private set; }

    /// <summary>Gives it the proxy's own CPU priority back, if it was started lower.</summary>
    public void RestorePriority()
    {
        if (LowPriority)
        {
            LowPriority = false;
            CliPriority.Restore(Id);
        }
    }

    /// <summary>The exit code once the process has exited.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts the CLI, or explains why it could not be started.</summary>
    public static (CliProcess? Process, string? Error) Start(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        string workingDirectory,
        CliProcessRegistry registry,
        ILogger logger,
        bool lowPriority = false)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = s_utf8,
            StandardOutputEncoding = s_utf8,
            StandardErrorEncoding = s_utf8,
            WorkingDirectory = workingDirectory,
            CreateNoWindow = true,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        lowPriority &= CliPriority.Available;
        try
        {
            if (lowPriority)
            {
                CliPriority.StartLowered(process.Start);
            }
            else
            {
                process.Start();
            }
        }
        catch (Win32Exception exception)
        {
            process.Dispose();
            return (null, exception.Message);
        }

        registry.Add(process);
        process.StandardInput.NewLine = "\n";
        Log.Started(logger, process.Id, fileName);
        return (new CliProcess(process, registry, logger) { LowPriority = lowPriority }, null);
    }

    /// <summary>Writes one message as one line. A CLI that already closed its stdin is not an error here: what it
    /// printed (or its exit code) explains why.</summary>
    public async Task<bool> WriteAsync(JsonObject message, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            if (_stdinClosed)
            {
                return false;
            }

            await _process.StandardInput.WriteLineAsync(message.ToJsonString(JsonDefaults.Options).AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>The next JSON object from stdout, or <see langword="null"/> once stdout is closed.</summary>
    public async ValueTask<JsonObject?> ReadAsync(CancellationToken cancellationToken)
    {
        while (await _lines.Reader.WaitToReadAsync(cancellationToken))
        {
            while (_lines.Reader.TryRead(out var line))
            {
                if (TryParse(line) is { } message)
                {
                    return message;
                }

                Log.NotJson(_logger, Id, SecretRedactor.RedactPatterns(line.Length > 200 ? line[..200] : line));
            }
        }

        return null;
    }

    /// <summary>Asks the CLI to stop its turn (it then reports an <c>error_during_execution</c> result).</summary>
    public Task<bool> InterruptAsync(CancellationToken cancellationToken) => WriteAsync(new JsonObject
    {
        ["type"] = "control_request",
        ["request_id"] = $"relay-interrupt-{Interlocked.Increment(ref _interrupts)}",
        ["request"] = new JsonObject { ["subtype"] = "interrupt" },
    }, cancellationToken);

    /// <summary>Closes stdin: the CLI finishes what it is doing and exits.</summary>
    public async Task CloseInputAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            if (!_stdinClosed)
            {
                _stdinClosed = true;
                _process.StandardInput.Close();
            }
        }
        catch (IOException)
        {
            // The pipe is already broken: the process is on its way out.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Waits for the process to exit on its own for at most <paramref name="timeout"/>, and then (briefly) for the rest
    /// of its stderr: the exit can be seen before its last lines are read, and an error message quotes them.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
            await Task.WhenAny(_stderrPump, Task.Delay(s_exitDrain));
            return true;
        }
        catch (OperationCanceledException)
        {
            return _process.HasExited;
        }
    }

    /// <summary>Stops the CLI: optionally an interrupt first, then stdin closed, then the grace period, then a kill of
    /// the whole process tree. Returns when the process is reaped.</summary>
    public async Task StopAsync(bool interrupt)
    {
        if (!_process.HasExited)
        {
            if (interrupt)
            {
                await InterruptAsync(CancellationToken.None);
            }

            await CloseInputAsync();
            if (!await WaitForExitAsync(GracePeriod))
            {
                Log.Killing(_logger, Id, GracePeriod.TotalMilliseconds);
                try
                {
                    _process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // It exited in between.
                }
            }
        }

        // Reaps the process (no zombie) and lets the pumps see the end of their streams.
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
        await Task.WhenAll(_stdoutPump, _stderrPump, _exitWatch).WaitAsync(TimeSpan.FromSeconds(2)).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(interrupt: false);
        }
        finally
        {
            _registry.Remove(Id);
            Log.Exited(_logger, Id, ExitCode);
            _process.Dispose();
            _writeLock.Dispose();
        }
    }

    private async Task PumpStdoutAsync()
    {
        try
        {
            while (await _process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.Length > 0)
                {
                    _responsive.TrySetResult();
                    await _lines.Writer.WriteAsync(line);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException or ChannelClosedException)
        {
            // The process is gone; the channel's completion says so.
        }
        finally
        {
            _responsive.TrySetResult();
            _lines.Writer.TryComplete();
        }
    }

    /// <summary>A process that died leaves no more output, even if a descendant still holds its stdout open: readers
    /// see the end shortly after the exit.</summary>
    private async Task WatchExitAsync()
    {
        await _process.WaitForExitAsync();
        await Task.WhenAny(_stdoutPump, Task.Delay(s_exitDrain));
        _lines.Writer.TryComplete();
    }

    private async Task PumpStderrAsync()
    {
        try
        {
            while (await _process.StandardError.ReadLineAsync() is { } line)
            {
                Stderr.Append(line);
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
        }
    }

    private static JsonObject? TryParse(string line)
    {
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6001, Level = LogLevel.Debug, Message = "Started the Claude CLI (pid {Pid}): {FileName}")]
        public static partial void Started(ILogger logger, int pid, string fileName);

        [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "The Claude CLI (pid {Pid}) exited with code {ExitCode}")]
        public static partial void Exited(ILogger logger, int pid, int? exitCode);

        [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "The Claude CLI (pid {Pid}) did not exit within {GraceMs} ms; killing its process tree")]
        public static partial void Killing(ILogger logger, int pid, double graceMs);

        [LoggerMessage(EventId = 6004, Level = LogLevel.Debug, Message = "The Claude CLI (pid {Pid}) printed a line that is not a JSON object: {Line}")]
        public static partial void NotJson(ILogger logger, int pid, string line);
    }
}
