using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>
/// A failure as a value, at any stage: a request refused before a backend saw it (<see cref="InvalidRequest"/>,
/// <see cref="TooLarge"/>), a refusal of the proxy's own, or a backend's failure. It carries the stage, what the
/// client should see (status, Anthropic error type and message), and, when the upstream sent one, its own error body
/// to pass through unchanged.
/// </summary>
public sealed record BackendFailure(ProxyError Stage, int Status, string Type, string Message) : BackendEvent
{
    /// <summary>The upstream's error JSON, passed through verbatim when present.</summary>
    public JsonObject? UpstreamBody { get; init; }

    /// <summary>The upstream's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Whether a retry could help (rate limits and overloads).</summary>
    public bool IsTransient => Stage is ProxyError.UpstreamRateLimited or ProxyError.UpstreamOverloaded;

    /// <summary>The Anthropic error body: the upstream's own when it sent a well-formed one.</summary>
    public JsonObject ToAnthropicBody()
    {
        if (UpstreamBody is { } body && body["type"].AsString() == "error" && body["error"] is JsonObject)
        {
            return (JsonObject)body.DeepClone();
        }

        return ErrorBodies.Anthropic(Type, Message);
    }

    /// <summary>The request broke a rule; the message names the field.</summary>
    public static BackendFailure InvalidRequest(string message) =>
        new(ProxyError.RequestInvalid, StatusCodes.Status400BadRequest, AnthropicErrorTypes.InvalidRequest, message);

    /// <summary>The request body is over <c>Proxy:MaxRequestBodyBytes</c>.</summary>
    public static BackendFailure TooLarge(long limit) =>
        new(ProxyError.RequestTooLarge, StatusCodes.Status413RequestEntityTooLarge, AnthropicErrorTypes.RequestTooLarge,
            $"Request body is larger than the proxy's limit of {limit} bytes (Proxy:MaxRequestBodyBytes).");

    /// <summary>A failure from an Anthropic error type, with the status that type goes with.</summary>
    public static BackendFailure FromType(string type, string message, JsonObject? upstreamBody = null) =>
        new(StageOf(type), AnthropicErrorTypes.StatusOf(type), type, message) { UpstreamBody = upstreamBody };

    public static ProxyError StageOf(string type) => type switch
    {
        AnthropicErrorTypes.RateLimit => ProxyError.UpstreamRateLimited,
        AnthropicErrorTypes.Overloaded => ProxyError.UpstreamOverloaded,
        AnthropicErrorTypes.Authentication => ProxyError.UpstreamAuthentication,
        AnthropicErrorTypes.Timeout => ProxyError.UpstreamTimedOut,
        _ => ProxyError.UpstreamError,
    };
}
