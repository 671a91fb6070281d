using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AgentRelay.Tests.Backends;

public sealed class RetryingBackendClientTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedUpstream _upstream = new();
    private readonly FakeCommitment _response = new();
    private readonly ProxyRequestFeature _feature = new() { RequestId = "r1", Path = "/v1/messages", StartedAt = DateTimeOffset.UnixEpoch };

    private static BackendFailure RateLimited(TimeSpan? retryAfter = null) =>
        new(ProxyError.UpstreamRateLimited, 429, "rate_limit_error", "slow down") { RetryAfter = retryAfter };

    private static BackendFailure Overloaded() => new(ProxyError.UpstreamOverloaded, 529, "overloaded_error", "Overloaded");

    private static List<BackendEvent> Reply(string text) =>
        [.. MessageEvents.FromMessage(new JsonObject
        {
            ["id"] = "m",
            ["type"] = "message",
            ["role"] = "assistant",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }),
            ["stop_reason"] = "end_turn",
            ["usage"] = new JsonObject { ["input_tokens"] = 1, ["output_tokens"] = 1 },
        })];

    private RetryingBackendClient Client(RetryOptions? options = null, double jitter = 0) => new(
        _upstream,
        new StaticOptions<RetryOptions>(options ?? new RetryOptions()),
        new StaticOptions<ProxyOptions>(new ProxyOptions { Debug = true }),
        new FixedJitter(jitter),
        _time,
        NullLogger<RetryingBackendClient>.Instance);

    /// <summary>Consumes the stream like the SSE sink does (the first event commits), advancing fake time as it waits.</summary>
    private async Task<List<BackendEvent>> RunAsync(RetryingBackendClient client, bool commitOnFirstEvent = true)
    {
        var request = new BackendRequest(new MessagesRequest(JsonNode.Parse("""{"messages":[{"role":"user","content":"hi"}]}""")!.AsObject()), BackendHeaders.Empty, _feature, _response);
        var received = new List<BackendEvent>();
        var consume = Task.Run(async () =>
        {
            await foreach (var item in client.StreamAsync(request, CancellationToken.None))
            {
                received.Add(item);
                if (commitOnFirstEvent && item is MessageStreamEvent)
                {
                    _response.Committed = true;
                }
            }
        });

        for (var i = 0; i < 10_000 && !consume.IsCompleted; i++)
        {
            await Task.Delay(1);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await consume;
        return received;
    }

    [Fact]
    public async Task Rate_limited_twice_then_ok_succeeds_on_the_third_attempt_after_2_and_4_seconds()
    {
        _upstream.Script.Enqueue([RateLimited()]);
        _upstream.Script.Enqueue([RateLimited()]);
        _upstream.Script.Enqueue(Reply("finally"));

        var received = await RunAsync(Client());

        Assert.Equal(3, _upstream.Starts.Count);
        AssertGap(TimeSpan.FromSeconds(2), _upstream.Starts[1] - _upstream.Starts[0]);
        AssertGap(TimeSpan.FromSeconds(4), _upstream.Starts[2] - _upstream.Starts[1]);
        Assert.DoesNotContain(received, item => item is BackendFailure);
        Assert.Equal(
            [new AttemptRecord(1, "rate_limited", "retry", 2000), new AttemptRecord(2, "rate_limited", "retry", 4000), new AttemptRecord(3, "ok", "done")],
            _feature.Attempts);
    }

    [Fact]
    public async Task Rate_limited_forever_makes_exactly_four_attempts_then_passes_the_429_on()
    {
        for (var i = 0; i < 10; i++)
        {
            _upstream.Script.Enqueue([RateLimited()]);
        }

        var received = await RunAsync(Client());

        Assert.Equal(4, _upstream.Starts.Count);
        var failure = Assert.IsType<BackendFailure>(Assert.Single(received));
        Assert.Equal(429, failure.Status);
        Assert.Equal(["retry", "retry", "retry", "give_up"], _feature.Attempts.Select(a => a.Decision));
        Assert.Equal([2000.0, 4000.0, 8000.0], _feature.Attempts.Take(3).Select(a => a.DelayMs!.Value));
    }

    [Fact]
    public async Task Retry_after_wins_over_backoff_and_is_capped_by_max_delay()
    {
        _upstream.Script.Enqueue([RateLimited(TimeSpan.FromSeconds(5))]);
        _upstream.Script.Enqueue([RateLimited(TimeSpan.FromMinutes(10))]);
        _upstream.Script.Enqueue(Reply("ok"));

        await RunAsync(Client(new RetryOptions { MaxDelay = TimeSpan.FromSeconds(12) }));

        Assert.Equal([5000.0, 12000.0], _feature.Attempts.Take(2).Select(a => a.DelayMs!.Value));
        AssertGap(TimeSpan.FromSeconds(5), _upstream.Starts[1] - _upstream.Starts[0]);
    }

    [Fact]
    public async Task Jitter_adds_up_to_a_fifth_of_the_delay()
    {
        _upstream.Script.Enqueue([Overloaded()]);
        _upstream.Script.Enqueue(Reply("ok"));

        await RunAsync(Client(jitter: 0.5));

        Assert.Equal(2200.0, _feature.Attempts[0].DelayMs);
        Assert.Equal("overloaded", _feature.Attempts[0].Outcome);
    }

    [Fact]
    public async Task Error_after_the_stream_committed_is_never_retried()
    {
        var partial = Reply("partial").Take(3).ToList();
        _upstream.Script.Enqueue([.. partial, RateLimited()]);
        _upstream.Script.Enqueue(Reply("must never be sent"));

        var received = await RunAsync(Client());

        Assert.Single(_upstream.Starts);
        Assert.Equal(partial, received.Take(3));
        Assert.IsType<BackendFailure>(received[^1]);
        Assert.Equal([new AttemptRecord(1, "rate_limited", "give_up_committed")], _feature.Attempts);
    }

    [Fact]
    public async Task Error_after_content_that_was_not_committed_is_retried_after_a_reset()
    {
        _upstream.Script.Enqueue([.. Reply("partial").Take(3), RateLimited()]);
        _upstream.Script.Enqueue(Reply("complete"));

        var received = await RunAsync(Client(), commitOnFirstEvent: false);

        Assert.Equal(2, _upstream.Starts.Count);
        Assert.Equal(1, _response.Resets);
        Assert.DoesNotContain(received, item => item is BackendFailure);
    }

    [Theory]
    [InlineData(ProxyError.UpstreamAuthentication, 401, "authentication_error")]
    [InlineData(ProxyError.UpstreamError, 400, "invalid_request_error")]
    [InlineData(ProxyError.UpstreamError, 402, "billing_error")]
    [InlineData(ProxyError.UpstreamUnreachable, 502, "api_error")]
    public async Task Authentication_validation_and_billing_errors_are_never_retried(ProxyError stage, int status, string type)
    {
        _upstream.Script.Enqueue([new BackendFailure(stage, status, type, "no")]);
        _upstream.Script.Enqueue(Reply("must never be sent"));

        var received = await RunAsync(Client());

        Assert.Single(_upstream.Starts);
        Assert.Equal(status, Assert.IsType<BackendFailure>(Assert.Single(received)).Status);
        Assert.Equal("give_up", Assert.Single(_feature.Attempts).Decision);
    }

    [Fact]
    public async Task Each_decision_is_an_event_on_the_request_span()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var source = new ActivitySource("test-" + Guid.NewGuid());
        using var activity = source.StartActivity("relay.request")!;
        _feature.Activity = activity;
        _upstream.Script.Enqueue([RateLimited()]);
        _upstream.Script.Enqueue(Reply("ok"));

        await RunAsync(Client());

        var events = activity.Events.Where(e => e.Name == "retry.decision").ToList();
        Assert.Equal(2, events.Count);
        var first = events[0].Tags.ToDictionary(t => t.Key, t => t.Value);
        Assert.Equal(1, first["attempt"]);
        Assert.Equal("rate_limited", first["reason"]);
        Assert.Equal(2000.0, first["delay_ms"]);
        Assert.Equal(false, first["committed"]);
        Assert.Equal("retry", first["decision"]);
        Assert.Equal("done", events[1].Tags.Single(t => t.Key == "decision").Value);
    }

    /// <summary>
    /// Never early; and late by less than the next rung (fake time moves in 100 ms steps while a busy machine may be slow
    /// to run the retry, so the margin grows with the delay: under 1.9× it, which still tells 2 s from 4 s and a 5 s
    /// <c>Retry-After</c> from the 12 s cap). The exact delays are asserted through <c>delayMs</c>.
    /// </summary>
    private static void AssertGap(TimeSpan expected, TimeSpan actual) =>
        Assert.InRange(actual, expected, expected * 1.9);

    private sealed class ScriptedUpstream : IBackendClient
    {
        public Queue<List<BackendEvent>> Script { get; } = new();

        public List<DateTimeOffset> Starts { get; } = [];

        public async IAsyncEnumerable<BackendEvent> StreamAsync(BackendRequest request, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            Starts.Add(TimeStamp());
            await Task.Yield();
            foreach (var item in Script.Dequeue())
            {
                yield return item;
            }
        }

        public Func<DateTimeOffset> TimeStamp { get; set; } = () => DateTimeOffset.UtcNow;

        public Task<JsonReply> CountTokensAsync(BackendRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    public RetryingBackendClientTests() => _upstream.TimeStamp = _time.GetUtcNow;

    private sealed class FakeCommitment : IResponseCommitment
    {
        public bool Committed { get; set; }

        public int Resets { get; private set; }

        public void Reset() => Resets++;
    }

    private sealed class FixedJitter(double value) : RetryJitter
    {
        public override double Next() => value;
    }

    private sealed class StaticOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}
