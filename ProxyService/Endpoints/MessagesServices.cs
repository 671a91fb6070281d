using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Responses;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>What the API surfaces' handlers need, as one <c>[AsParameters]</c> bundle.</summary>
public sealed class MessagesServices(
    IOptionsMonitor<ProxyOptions> options,
    BackendRelay relay,
    IBackendClient backend,
    ErrorReporter errors,
    AgentResolver agents)
{
    public IOptionsMonitor<ProxyOptions> Options { get; } = options;

    public BackendRelay Relay { get; } = relay;

    public IBackendClient Backend { get; } = backend;

    public ErrorReporter Errors { get; } = errors;

    public AgentResolver Agents { get; } = agents;
}
