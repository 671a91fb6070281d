using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Backends;

/// <summary>What a backend needs to fulfil one request.</summary>
/// <param name="Message">The validated Messages request.</param>
/// <param name="Headers">The client headers that mean something upstream (see <see cref="BackendHeaders"/>).</param>
/// <param name="Context">The request's decisions so far, and the place to record new ones.</param>
/// <param name="Response">Whether the client has received anything yet; retries consult it.</param>
public sealed record BackendRequest(
    MessagesRequest Message,
    BackendHeaders Headers,
    ProxyRequestFeature Context,
    IResponseCommitment Response)
{
    /// <summary>The client's query string (e.g. Claude Code's <c>?beta=true</c>), passed on to HTTP backends.</summary>
    public string QueryString { get; init; } = string.Empty;
}
