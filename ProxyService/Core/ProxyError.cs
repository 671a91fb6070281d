namespace AgentRelay.ProxyService.Core;

/// <summary>The stage at which a request failed. Reported once, through the error reporter (Telemetry).</summary>
public enum ProxyError
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The request body was not valid JSON or broke a validation rule.</summary>
    RequestInvalid,

    /// <summary>The request body was larger than <c>Proxy:MaxRequestBodyBytes</c>.</summary>
    RequestTooLarge,

    /// <summary>The caller's API key was missing or wrong.</summary>
    Unauthenticated,

    /// <summary>The route does not exist.</summary>
    RouteNotFound,

    /// <summary>The configured backend cannot serve this request at all (not installed, not implemented).</summary>
    BackendUnavailable,

    /// <summary>The concurrency waiting room was full or the wait timed out.</summary>
    ConcurrencyLimitReached,

    /// <summary>The upstream could not be reached or the connection broke.</summary>
    UpstreamUnreachable,

    /// <summary>The upstream did not answer in time.</summary>
    UpstreamTimedOut,

    /// <summary>The upstream answered with a rate limit.</summary>
    UpstreamRateLimited,

    /// <summary>The upstream answered that it is overloaded.</summary>
    UpstreamOverloaded,

    /// <summary>The upstream refused the credentials.</summary>
    UpstreamAuthentication,

    /// <summary>The upstream answered with any other error status or error event.</summary>
    UpstreamError,

    /// <summary>The upstream's response could not be understood.</summary>
    UpstreamProtocol,

    /// <summary>The client went away before the response was complete.</summary>
    ClientDisconnected,

    /// <summary>An unexpected exception inside the proxy (a bug: the log has the details).</summary>
    Internal,
}
