using System.Diagnostics;
using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>Whether the configured CLI can be used: where it is and which version it says it is, or why not.</summary>
public sealed record ClaudeCliStatus(bool Usable, string ConfiguredPath, string? ResolvedPath, string? Version, string? Problem);

/// <summary>
/// Finds <c>Backend:ClaudePath</c> (a path, or a name looked up on PATH) and asks it for <c>--version</c>. The answer is
/// cached (a minute when usable, a few seconds when not) so <c>/health</c> stays cheap.
/// </summary>
public sealed partial class ClaudeCliLocator(IOptionsMonitor<BackendOptions> options, TimeProvider time, ILogger<ClaudeCliLocator> logger)
{
    private static readonly TimeSpan s_usableFor = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_unusableFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_versionTimeout = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (ClaudeCliStatus Status, DateTimeOffset Until)? _cached;

    public async Task<ClaudeCliStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        var configured = options.CurrentValue.ClaudePath;
        if (_cached is { } hit && hit.Until > time.GetUtcNow() && hit.Status.ConfiguredPath == configured)
        {
            return hit.Status;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && again.Until > time.GetUtcNow() && again.Status.ConfiguredPath == configured)
            {
                return again.Status;
            }

            var status = await ProbeAsync(configured, cancellationToken);
            _cached = (status, time.GetUtcNow() + (status.Usable ? s_usableFor : s_unusableFor));
            return status;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The executable a path or bare name refers to, or <see langword="null"/> when there is none.</summary>
    public static string? Resolve(string path, string? searchPath = null)
    {
        if (path.Contains(Path.DirectorySeparatorChar) || path.Contains(Path.AltDirectorySeparatorChar))
        {
            var full = Path.GetFullPath(path);
            return File.Exists(full) ? full : null;
        }

        foreach (var directory in (searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, path);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private async Task<ClaudeCliStatus> ProbeAsync(string configured, CancellationToken cancellationToken)
    {
        if (Resolve(configured) is not { } resolved)
        {
            return new ClaudeCliStatus(false, configured, null, null,
                $"The Claude CLI '{configured}' was not found. Install it with `{CliFailures.InstallCommand}`, or set Backend:ClaudePath.");
        }

        var startInfo = new ProcessStartInfo(resolved, "--version")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            CreateNoWindow = true,
        };
        startInfo.Environment.Clear();
        foreach (var (name, value) in CliEnvironment.Build(CliEnvironment.Inherited(), options.CurrentValue.Environment, new Dictionary<string, string>()))
        {
            startInfo.Environment[name] = value;
        }

        try
        {
            using var process = Process.Start(startInfo)!;
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_versionTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
                return new ClaudeCliStatus(false, configured, resolved, null, $"'{resolved} --version' did not answer within {s_versionTimeout.TotalSeconds} s.");
            }

            var version = (await output).Trim();
            if (process.ExitCode != 0 || version.Length == 0)
            {
                return new ClaudeCliStatus(false, configured, resolved, null, $"'{resolved} --version' failed with exit code {process.ExitCode}.");
            }

            // "2.1.330 (Claude Code)"
            return new ClaudeCliStatus(true, configured, resolved, version.Split(' ', 2)[0], null);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            Log.ProbeFailed(logger, resolved, exception.Message);
            return new ClaudeCliStatus(false, configured, resolved, null, $"'{resolved}' could not be run: {exception.Message}. Reinstall it with `{CliFailures.InstallCommand}`.");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6020, Level = LogLevel.Warning, Message = "The Claude CLI '{Path}' could not be run: {Reason}")]
        public static partial void ProbeFailed(ILogger logger, string path, string reason);
    }
}
