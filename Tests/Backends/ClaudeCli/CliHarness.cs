using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Responses;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentRelay.Tests.Backends.ClaudeCli;

/// <summary>Drives <see cref="ClaudeCliClient"/> directly (no HTTP) against a CLI process, collecting what it yields.</summary>
public sealed class CliHarness : IDisposable
{
    public CliHarness(string claudePath, IReadOnlyDictionary<string, string> environment, SessionsOptions? sessionsOptions = null)
    {
        var options = new BackendOptions { Kind = BackendKind.ClaudeCli, ClaudePath = claudePath };
        foreach (var (name, value) in environment)
        {
            options.Environment[name] = value;
        }

        // No pool unless asked: a scripted fake CLI would be started ahead for nothing.
        var runtime = new FixedOptions<SessionsOptions>(sessionsOptions ?? new SessionsOptions { PoolSize = 0 });
        var backend = new FixedOptions<BackendOptions>(options);
        var janitor = new CliTranscriptJanitor(runtime, backend, TimeProvider.System, NullLogger<CliTranscriptJanitor>.Instance);
        Warm = new WarmProcesses(runtime, TimeProvider.System, NullLogger<WarmProcesses>.Instance);
        Pool = new CliProcessPool(runtime, Registry, Activity, NullLogger<CliProcessPool>.Instance);
        Client = new ClaudeCliClient(
            backend,
            runtime,
            new CliRuntime(Warm, Pool, Registry, Activity, NullLogger<CliRuntime>.Instance),
            janitor,
            TimeProvider.System,
            NullLogger<ClaudeCliClient>.Instance);
    }

    public CliProcessRegistry Registry { get; } = new();

    public CliActivity Activity { get; } = new(TimeProvider.System);

    public WarmProcesses Warm { get; }

    public CliProcessPool Pool { get; }

    public ClaudeCliClient Client { get; }

    public static CliHarness For(FakeCli fake) => new(FakeCli.Executable, fake.Environment);

    public static JsonObject Body(string text = "hi", bool stream = true, string model = "claude-sonnet-4-6") => new()
    {
        ["model"] = model,
        ["max_tokens"] = 256,
        ["stream"] = stream,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
    };

    public static BackendRequest Request(JsonObject body, AgentPolicy? agent = null, SessionDecision? session = null, string? beta = null) =>
        new(new MessagesRequest(body), new BackendHeaders(null, beta, null, null), new ProxyRequestFeature
        {
            RequestId = "test",
            Path = "/v1/messages",
            StartedAt = DateTimeOffset.UtcNow,
            Agent = agent ?? AgentPolicy.Default,
            Session = session ?? SessionDecision.Default,
        }, NothingCommitted.Instance);

    public async Task<List<BackendEvent>> RunAsync(BackendRequest request)
    {
        var events = new List<BackendEvent>();
        await foreach (var item in Client.StreamAsync(request, TestContext.Current.CancellationToken))
        {
            events.Add(item);
        }

        return events;
    }

    public Task<List<BackendEvent>> RunAsync(JsonObject body, AgentPolicy? agent = null) => RunAsync(Request(body, agent));

    /// <summary>The message a JSON client would get from these events.</summary>
    public static JsonObject Aggregate(IEnumerable<BackendEvent> events)
    {
        var aggregator = new MessageAggregator();
        foreach (var streamEvent in events.OfType<MessageStreamEvent>())
        {
            aggregator.Add(streamEvent);
        }

        Assert.True(aggregator.Stopped, "the message was not closed with message_stop");
        return aggregator.Build();
    }

    public static BackendFailure SingleFailure(IEnumerable<BackendEvent> events) => Assert.Single(events.OfType<BackendFailure>());

    public void Dispose()
    {
        Warm.Dispose();
        Pool.Dispose();
        Registry.Dispose();
    }

    private sealed class NothingCommitted : IResponseCommitment
    {
        public static readonly NothingCommitted Instance = new();

        public bool Committed => false;

        public void Reset()
        {
        }
    }
}

/// <summary>An options monitor with one fixed value.</summary>
public sealed class FixedOptions<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
