namespace AgentRelay.ProxyService.Backends;

/// <summary>The client headers a backend may use. Everything else the client sent stays at the proxy.</summary>
public sealed record BackendHeaders(string? AnthropicVersion, string? AnthropicBeta, string? ApiKey, string? Authorization)
{
    public static readonly BackendHeaders Empty = new(null, null, null, null);

    public static BackendHeaders From(HttpRequest request) => new(
        NonEmpty(request.Headers["anthropic-version"]),
        NonEmpty(request.Headers["anthropic-beta"]),
        NonEmpty(request.Headers["x-api-key"]),
        NonEmpty(request.Headers.Authorization));

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues values) =>
        values.Count == 0 || string.IsNullOrWhiteSpace(values.ToString()) ? null : values.ToString();

    /// <summary>Never prints credentials.</summary>
    public override string ToString() =>
        $"anthropic-version={AnthropicVersion}, anthropic-beta={AnthropicBeta}, x-api-key={(ApiKey is null ? "-" : "***")}, authorization={(Authorization is null ? "-" : "***")}";
}
