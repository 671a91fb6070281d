using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Responses;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>What the Messages handlers need, as one <c>[AsParameters]</c> bundle.</summary>
public sealed class MessagesServices(
    IOptionsMonitor<ProxyOptions> options,
    MessagesForwarder forwarder,
    IBackendClient upstream,
    ErrorReporter errors,
    AgentResolver agents)
{
    public IOptionsMonitor<ProxyOptions> Options { get; } = options;

    public MessagesForwarder Forwarder { get; } = forwarder;

    public IBackendClient Upstream { get; } = upstream;

    public ErrorReporter Errors { get; } = errors;

    public AgentResolver Agents { get; } = agents;
}
