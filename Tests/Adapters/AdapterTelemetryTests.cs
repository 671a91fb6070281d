using System.Collections;
using System.Diagnostics;
using System.Text;
using AgentRelay.ProxyService.Telemetry;
using AgentRelay.Tests.Infrastructure;
using OpenTelemetry.Trace;

namespace AgentRelay.Tests.Adapters;

/// <summary>The adapter and stream decisions on the <c>relay.request</c> span, and the GenAI upstream span under it.</summary>
public sealed class AdapterTelemetryTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Request_span_carries_the_decisions_and_the_chat_span_the_gen_ai_attributes(bool stream)
    {
        var exported = new LockedCollection();
        await using var proxy = await KestrelProxy.StartAsync(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported)));

        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent($$"""{"model":"claude-sonnet-4-6","max_tokens":50,"stream":{{(stream ? "true" : "false")}},"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        message.Headers.TryAddWithoutValidation("user-agent", "litellm/1.52.0");
        message.Headers.Add("x-litellm-session-id", "L-9");
        var response = await proxy.Client.SendAsync(message, TestContext.Current.CancellationToken);
        await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var requestId = response.Headers.GetValues("x-relay-request-id").Single();

        var request = await WaitForAsync(exported, activity => activity.OperationName == TelemetryNames.Spans.Request && (string?)activity.GetTagItem("relay.request.id") == requestId);
        Assert.Equal("litellm", request.GetTagItem("relay.adapter.name"));
        Assert.Equal("user-agent:litellm/1.52.0", request.GetTagItem("relay.adapter.reason"));
        Assert.Equal(stream, request.GetTagItem("relay.stream"));
        Assert.Equal("client", request.GetTagItem("relay.stream.reason"));
        Assert.Equal("header:x-litellm-session-id", request.GetTagItem("relay.session.key"));
        Assert.DoesNotContain(request.TagObjects, tag => tag.Value is string value && value.Contains("L-9", StringComparison.Ordinal));

        var chat = await WaitForAsync(exported, activity => activity.ParentSpanId == request.SpanId && activity.DisplayName == "chat claude-sonnet-4-6");
        Assert.Equal(ActivityKind.Client, chat.Kind);
        Assert.Equal("chat", chat.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("anthropic", chat.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("claude-sonnet-4-6", chat.GetTagItem("gen_ai.request.model"));
        Assert.NotNull(chat.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.NotNull(chat.GetTagItem("gen_ai.usage.output_tokens"));
    }

    private static async Task<Activity> WaitForAsync(LockedCollection exported, Func<Activity, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            // Spans are exported when they end, which can trail the response's last byte.
            if (exported.Snapshot().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "The expected span was not exported.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>The exporter adds from request threads while the test reads.</summary>
    private sealed class LockedCollection : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];

        public int Count { get { lock (_items) { return _items.Count; } } }

        public bool IsReadOnly => false;

        public Activity[] Snapshot() { lock (_items) { return [.. _items]; } }

        public void Add(Activity item) { lock (_items) { _items.Add(item); } }

        public void Clear() { lock (_items) { _items.Clear(); } }

        public bool Contains(Activity item) { lock (_items) { return _items.Contains(item); } }

        public void CopyTo(Activity[] array, int arrayIndex) { lock (_items) { _items.CopyTo(array, arrayIndex); } }

        public bool Remove(Activity item) { lock (_items) { return _items.Remove(item); } }

        public IEnumerator<Activity> GetEnumerator() => ((IEnumerable<Activity>)Snapshot()).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
