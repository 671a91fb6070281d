using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// Applies the adapter to one request, in two steps: <see cref="Identify"/> as soon as the request arrives
/// (<see cref="AgentDetectionMiddleware"/>, so even a refused request says which adapter saw it), and
/// <see cref="Apply"/> once the endpoint has a valid body.
/// Every decision lands in <see cref="ProxyRequestFeature"/>, on the <c>relay.request</c> span and in the log.
/// </summary>
public sealed partial class AgentResolver(AgentDetector detector, AgentAdapterRegistry registry, ILogger<AgentResolver> logger)
{
    /// <summary>Detects the adapter, records it in the feature, and names it in the <c>x-relay-adapter</c> response header.</summary>
    public void Identify(HttpContext context)
    {
        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();
        var detection = detector.Detect(context.Request.Headers);
        feature.Adapter = detection.Adapter.Name;
        feature.AdapterReason = detection.Reason;
        context.Response.Headers[AgentHeaders.Adapter] = detection.Adapter.Name;
        feature.Activity?.SetTag(TelemetryNames.Relay.Adapter.Name, detection.Adapter.Name);
        feature.Activity?.SetTag(TelemetryNames.Relay.Adapter.Reason, detection.Reason);
    }

    /// <summary>Turns the declarations of the adapter <see cref="Identify"/> chose into the request's policy, session id
    /// and streaming decision.</summary>
    public void Apply(HttpContext context, MessagesRequest request)
    {
        var feature = context.Features.GetRequiredFeature<ProxyRequestFeature>();
        var adapter = registry.Get(feature.Adapter ?? AgentAdapterNames.Default);
        var session = adapter.GetSessionId(context.Request.Headers) ?? adapter.GetBodySessionId(request.Body);
        feature.AgentSessionId = session?.Value;
        feature.Independent = IsIndependent(context.Request.Headers);
        feature.SessionKey = SessionKeyOf(context.Request.Headers, session, adapter, request.Body);
        feature.Agent = CreatePolicy(adapter, request.Body);

        var stream = adapter.PrefersStreaming(request);
        feature.Stream = stream;
        feature.StreamReason = stream == request.ClientStream ? "client" : $"adapter:{adapter.Name}";

        feature.Activity?.SetTag(TelemetryNames.Relay.Stream, stream);
        feature.Activity?.SetTag(TelemetryNames.Relay.StreamReason, feature.StreamReason);
        feature.Activity?.SetTag(TelemetryNames.Relay.SessionKey, feature.SessionKey);
        Log.AgentResolved(logger, adapter.Name, feature.AdapterReason, stream, feature.StreamReason, feature.SessionKey);
    }

    /// <summary>The adapter's declared values are the effective ones: this is the only place they are read.</summary>
    public AgentPolicy CreatePolicy(IAgentAdapter adapter, JsonObject body)
    {
        var reported = adapter.ExtractWorkingDirectory(body);
        var workingDirectory = ExistsHere(reported) ? reported : null;
        if (reported is not null && workingDirectory is null)
        {
            Log.WorkingDirectoryNotHere(logger, adapter.Name, reported);
        }

        var clientWorkingDirectory = adapter.ExtractClientWorkingDirectory(body) ?? reported;
        return new AgentPolicy
        {
            WorkingDirectory = workingDirectory,
            ClientWorkingDirectory = clientWorkingDirectory,
            McpServerName = adapter.McpServerName,
            PassthroughTools = adapter.PassthroughTools,
            BlockedBuiltinTools = adapter.BlockedBuiltinTools,
            SystemPromptAddendum = adapter.SystemPromptAddendum(workingDirectory, clientWorkingDirectory),
            KeepThinking = adapter.KeepThinking,
        };
    }

    /// <summary>
    /// Where the session key comes from (never its value): <c>none</c> for independent requests
    /// (<c>x-relay-source: fork-…|subagent-…</c>) and requests with nothing to fingerprint, the agent's session header
    /// (<c>header:&lt;name&gt;</c>) or body field (<c>metadata.user_id</c>), or <c>fingerprint</c> (the first user message).
    /// </summary>
    public static string SessionKeyOf(IHeaderDictionary headers, AgentSessionHeader? session, IAgentAdapter adapter, JsonObject body)
    {
        if (IsIndependent(headers))
        {
            return "none";
        }

        if (session is not null)
        {
            return session.Source;
        }

        var firstUser = (body["messages"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(message => message["role"].AsString() == "user");
        return firstUser is not null && adapter.NormalizeContent(firstUser["content"]).Length > 0 ? "fingerprint" : "none";
    }

    /// <summary><c>x-relay-source: fork-…|subagent-…</c>: a request outside any conversation (no session lookup or store).</summary>
    public static bool IsIndependent(IHeaderDictionary headers)
    {
        var source = headers[AgentHeaders.Source].ToString();
        return source.StartsWith("fork-", StringComparison.Ordinal) || source.StartsWith("subagent-", StringComparison.Ordinal);
    }

    // A path from a remote client may not exist here; the backend then runs in its own directory (PROXY-SPEC §13.15).
    private static bool ExistsHere(string? path) => path is not null && Path.IsPathFullyQualified(path) && Directory.Exists(path);

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, EventName = "AgentResolved", Level = LogLevel.Debug,
            Message = "Adapter {Adapter} ({AdapterReason}); stream {Stream} ({StreamReason}); session key {SessionKey}")]
        public static partial void AgentResolved(ILogger logger, string adapter, string? adapterReason, bool stream, string streamReason, string? sessionKey);

        [LoggerMessage(EventId = 4002, EventName = "WorkingDirectoryNotHere", Level = LogLevel.Debug,
            Message = "Adapter {Adapter} reported working directory {Path}, which does not exist on this host; the backend uses its own")]
        public static partial void WorkingDirectoryNotHere(ILogger logger, string adapter, string path);
    }
}
