namespace AgentRelay.ProxyService.Telemetry;

// Log event ids are unique across the service, one range per concern: 1xxx request context and error reporting,
// 2xxx Backends/AnthropicApi, 3xxx Concurrency, 4xxx Adapters, 5xxx retries, 6xxx Backends/ClaudeCli,
// 7xxx Telemetry and Hosting, 8xxx the OpenAI surface,
// 9xxx Sessions.

/// <summary>
/// Span, attribute and metric names. GenAI names follow the OpenTelemetry semantic conventions; the proxy's own live
/// under <c>relay.</c>.
/// </summary>
public static class TelemetryNames
{
    public static class Spans
    {
        /// <summary>The proxy's span over one API request: the decisions live here.</summary>
        public const string Request = "relay.request";

        /// <summary>The wait for a concurrency slot.</summary>
        public const string ConcurrencyAcquire = "concurrency.acquire";

        /// <summary>The span event recording one retry decision.</summary>
        public const string RetryDecisionEvent = "retry.decision";

        /// <summary>The session lookup and lineage decision, before the backend is called.</summary>
        public const string SessionResolve = "session.resolve";

        /// <summary>The <c>chat {model}</c> upstream span's operation.</summary>
        public const string ChatOperation = "chat";
    }

    public static class Relay
    {
        public const string RequestId = "relay.request.id";
        public const string Stream = "relay.stream";
        public const string StreamReason = "relay.stream.reason";
        public const string Committed = "relay.committed";
        public const string Backend = "relay.backend";
        public const string SessionKey = "relay.session.key";
        public const string Runtime = "relay.runtime";
        public const string RuntimeAcquireMs = "relay.runtime.acquire_ms";

        /// <summary><c>true</c> when the <c>pool</c> process was one kept for another conversation, recycled for this one (<c>/clear</c>).</summary>
        public const string RuntimeRecycled = "relay.runtime.recycled";

        /// <summary>Tags of the <c>session.resolve</c> span (the key's source, never its value).</summary>
        public static class Session
        {
            public const string Hit = "relay.session.hit";
            public const string Lineage = "relay.session.lineage";
            public const string Action = "relay.session.action";
            public const string Id = "relay.session.id";
            public const string Stored = "relay.session.stored";
        }

        public static class Concurrency
        {
            public const string QueuePosition = "relay.concurrency.queue_position";
            public const string WaitMs = "relay.concurrency.wait_ms";
            public const string Outcome = "relay.concurrency.outcome";
        }

        /// <summary>Tags of the <c>retry.decision</c> event.</summary>
        public static class Retry
        {
            public const string Attempt = "attempt";
            public const string Reason = "reason";
            public const string DelayMs = "delay_ms";
            public const string Committed = "committed";
            public const string Decision = "decision";
        }

        public static class Adapter
        {
            public const string Name = "relay.adapter.name";
            public const string Reason = "relay.adapter.reason";
        }
    }

    public static class GenAI
    {
        public const string OperationName = "gen_ai.operation.name";
        public const string ProviderName = "gen_ai.provider.name";
        public const string ConversationId = "gen_ai.conversation.id";

        public static class Request
        {
            public const string Model = "gen_ai.request.model";
            public const string MaxTokens = "gen_ai.request.max_tokens";
            public const string Stream = "gen_ai.request.stream";
        }

        public static class Response
        {
            public const string Id = "gen_ai.response.id";
            public const string Model = "gen_ai.response.model";
            public const string FinishReasons = "gen_ai.response.finish_reasons";
        }

        public static class Usage
        {
            public const string InputTokens = "gen_ai.usage.input_tokens";
            public const string OutputTokens = "gen_ai.usage.output_tokens";
        }

        public static class Token
        {
            public const string Type = "gen_ai.token.type";
        }

        public static class Client
        {
            public const string OperationDuration = "gen_ai.client.operation.duration";
            public const string TokenUsage = "gen_ai.client.token.usage";
        }
    }

    public static class Server
    {
        public const string Address = "server.address";
        public const string Port = "server.port";
    }

    public static class Error
    {
        public const string Type = "error.type";
    }

    public static class Metrics
    {
        public const string Requests = "relay.requests";
        public const string SlotsInUse = "relay.concurrency.slots_in_use";
        public const string ConcurrencyRejections = "relay.concurrency.rejections";
        public const string RetryDecisions = "relay.retry.decisions";
        public const string CliProcessesLive = "relay.cli.processes.live";
        public const string CliProcessesIdle = "relay.cli.processes.idle";
        public const string CliProcessesPooled = "relay.cli.processes.pooled";
    }
}
