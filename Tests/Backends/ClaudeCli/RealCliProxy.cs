using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using AgentRelay.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>
/// The proxy on a real loopback port with <c>Backend:Kind=ClaudeCli</c> and the real <c>claude</c> CLI, pointed at a
/// <see cref="FakeAnthropicServer"/> through <c>Backend:Environment</c>, with its own HOME and TMPDIR.
/// </summary>
public sealed class RealCliProxy : IAsyncDisposable
{
    private readonly TempDirectory _directory = new("relay-cli-e2e-");

    private RealCliProxy(FakeAnthropicServer upstream, string? claudePath, IReadOnlyDictionary<string, string>? extra)
    {
        Upstream = upstream;
        var settings = new Dictionary<string, string?>(RealCli.BackendSettings(upstream.BaseUrl, _directory.Sub("home"), _directory.Sub("tmp"))!)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Backend:ClaudePath"] = claudePath ?? RepositoryPaths.ClaudeCli,
            // Retries keep their ladder, only faster: 50 ms, 100 ms, 200 ms.
            ["Retry:BaseDelay"] = "00:00:00.05",
            ["Retry:MaxDelay"] = "00:00:00.2",
            // No processes started ahead unless a test asks: on a busy machine they only compete for the CPU.
            ["Sessions:PoolSize"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        Factory = new ProxyFactory(settings);
        Factory.UseKestrel();
        Factory.StartServer();
        BaseUrl = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        // A response disposed early closes the connection at once, as a client that hangs up does (by default
        // HttpClient would first drain it for up to 2 s to reuse the connection).
        var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero };
        Http = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public FakeAnthropicServer Upstream { get; }

    public ProxyFactory Factory { get; }

    /// <summary>The proxy's real address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    public HttpClient Http { get; }

    public CliProcessRegistry Processes => Factory.Services.GetRequiredService<CliProcessRegistry>();

    public string Home => _directory.Combine("home");

    public string Tmp => _directory.Combine("tmp");

    public WarmProcesses Warm => Factory.Services.GetRequiredService<WarmProcesses>();

    public CliProcessPool Pool => Factory.Services.GetRequiredService<CliProcessPool>();

    /// <param name="claudePath">Another CLI executable than the real one.</param>
    /// <param name="settings">More settings (e.g. <c>ConnectionStrings:redis</c>).</param>
    public static async Task<RealCliProxy> StartAsync(string? claudePath = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        RealCli.AssertInstalled();
        return new RealCliProxy(await FakeAnthropicServer.StartAsync(), claudePath, settings);
    }

    /// <summary>Retires the warm and pooled processes as shutdown does, then asserts that every CLI process this proxy
    /// started is gone (reaped, no zombie).</summary>
    public async Task AssertNoCliProcessLeftAsync()
    {
        await Warm.DisposeAsync();
        await Pool.DisposeAsync();
        // The registry forgets a process just after reaping it.
        Assert.NotNull(await Infrastructure.Processes.WaitUntilAsync(() => Processes.RunningCount == 0, TimeSpan.FromSeconds(3)));
        foreach (var pid in Processes.RecentIds)
        {
            Assert.True(Infrastructure.Processes.IsGone(pid), $"CLI process {pid} is still there ({Infrastructure.Processes.State(pid)}).");
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        var pids = Processes.RecentIds;
        await Factory.DisposeAsync();
        foreach (var pid in pids)
        {
            Infrastructure.Processes.KillIfRunning(pid);
        }

        await Upstream.DisposeAsync();
        _directory.Dispose();
    }
}
