namespace AgentRelay.ProxyService.Core;

/// <summary>
/// Every decision made about one API request, in one place (YARP's IReverseProxyFeature). Created by
/// the request-context middleware (Endpoints), filled in by later steps, and turned into the telemetry record at the end.
/// </summary>
public sealed class ProxyRequestFeature
{
    public required string RequestId { get; init; }

    public required string Path { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The error shape of the API surface the request came in on.</summary>
    public ErrorDialect Dialect { get; init; } = ErrorDialect.Anthropic;

    public string? TraceId { get; set; }

    public string? Model { get; set; }

    /// <summary>Whether the response is streamed, once the adapter decided (<see langword="null"/> before, e.g. for a refused request).</summary>
    public bool? Stream { get; set; }

    /// <summary>Why <see cref="Stream"/> has its value: <c>client</c>, or <c>adapter:&lt;name&gt;</c>.</summary>
    public string? StreamReason { get; set; }

    /// <summary>The name of the adapter detection chose (the adapter is looked up by it).</summary>
    public string? Adapter { get; set; }

    public string? AdapterReason { get; set; }

    public string? SessionKey { get; set; }

    public string? Lineage { get; set; }

    public double QueueWaitMs { get; set; }

    /// <summary>Where the backend's process came from: <c>warm</c>, <c>pool</c> or <c>cold</c> (CLI backend only).</summary>
    public string? Runtime { get; set; }

    /// <summary>Whether the <c>pool</c> process was one kept for another conversation, recycled for this one (<c>/clear</c>).</summary>
    public bool RuntimeRecycled { get; set; }

    /// <summary>The adapter's decisions in the form backends consume.</summary>
    public AgentPolicy Agent { get; set; } = AgentPolicy.Default;

    /// <summary>The agent's own session id (from its headers), when it sent one.</summary>
    public string? AgentSessionId { get; set; }

    /// <summary>Whether the request is independent (<c>x-relay-source: fork-…|subagent-…</c>): no session lookup or store.</summary>
    public bool Independent { get; set; }

    /// <summary>The session layer's decision (set before the backend is called).</summary>
    public SessionDecision Session { get; set; } = SessionDecision.Default;

    /// <summary>The backend's session id as observed in its output (e.g. the Claude session).</summary>
    public string? BackendSessionId { get; set; }

    /// <summary>Every upstream attempt with the decision taken after it.</summary>
    public List<AttemptRecord> Attempts { get; } = [];

    /// <summary>Whether any byte of the response reached the client.</summary>
    public bool Committed { get; set; }

    /// <summary>The first failure reported for this request, if any.</summary>
    public ProxyError Error { get; set; }

    public string? ErrorType { get; set; }

    /// <summary>The proxy's <c>relay.request</c> span, where decisions are recorded.</summary>
    public System.Diagnostics.Activity? Activity { get; set; }
}

/// <summary>One upstream attempt: its outcome, the delay before the next one, and the decision.</summary>
public sealed record AttemptRecord(int N, string Outcome, string Decision, double? DelayMs = null);

/// <summary>The values of <see cref="AttemptRecord.Decision"/>.</summary>
public static class AttemptDecisions
{
    public const string Retry = "retry";
    public const string Done = "done";
    public const string GiveUp = "give_up";
    public const string GiveUpCommitted = "give_up_committed";
}
