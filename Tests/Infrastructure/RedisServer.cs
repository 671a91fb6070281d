using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (from PATH) on a free loopback port, with no persistence and its own temp directory.
/// Stopped by its own process id.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private Process _process;

    private RedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The value for <c>ConnectionStrings:redis</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var port = LoopbackPorts.Free();
        var directory = Directory.CreateTempSubdirectory("agentrelay-redis-").FullName;
        var server = new RedisServer(Launch(port, directory), directory, port);
        if (!await server.ListeningAsync())
        {
            await server.DisposeAsync();
            throw new InvalidOperationException("redis-server did not listen within 5 s.");
        }

        return server;
    }

    /// <summary>The process id of the running server.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Stops the server (an outage); <see cref="RestartAsync"/> brings it back, empty, on the same port.</summary>
    public Task StopAsync() => KillAsync();

    /// <summary>Kills the server (SIGKILL, by its own id), as a crash would; <see cref="RestartAsync"/> brings it back empty on the same port.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Starts a fresh server (no data: nothing is persisted) on the same port.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        _process.Dispose();
        _process = Launch(Port, _directory);
        if (!await ListeningAsync())
        {
            throw new InvalidOperationException("redis-server did not listen again within 5 s.");
        }
    }

    private static Process Launch(int port, string directory)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var arg in new[] { "--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory, "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; the Tests build installs it (eng/install-test-prerequisites.sh).");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task<bool> ListeningAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
