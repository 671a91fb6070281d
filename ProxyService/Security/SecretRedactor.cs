using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Security;

/// <summary>
/// Masks the configured secrets (<c>Proxy:ApiKey</c>, <c>Backend:ApiKey</c>) in any text that leaves the proxy:
/// upstream error bodies passed to clients, debug logs, CLI stderr.
/// </summary>
public sealed class SecretRedactor(IOptionsMonitor<ProxyOptions> proxyOptions, IOptionsMonitor<BackendOptions> backendOptions)
{
    public const string Mask = "***";

    /// <summary>Secrets shorter than this are not masked: replacing every "a" would destroy the text and protect nothing.</summary>
    private const int MinimumSecretLength = 6;

    public string Redact(string text)
    {
        foreach (var secret in Secrets())
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Header names that carry credentials: their values are never written anywhere.</summary>
    public static readonly IReadOnlySet<string> SecretHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "authorization", "proxy-authorization", "x-api-key", "cookie", "set-cookie", "anthropic-api-key",
    };

    /// <summary>Headers for a diagnosis log: every name, values of credential headers masked.</summary>
    public string DescribeHeaders(IHeaderDictionary headers) =>
        string.Join(", ", headers.Select(header => $"{header.Key}={(SecretHeaders.Contains(header.Key) ? Mask : Redact(header.Value.ToString()))}"));

    private IEnumerable<string> Secrets()
    {
        if (proxyOptions.CurrentValue.ApiKey is { Length: >= MinimumSecretLength } proxyKey)
        {
            yield return proxyKey;
        }

        if (backendOptions.CurrentValue.ApiKey is { Length: >= MinimumSecretLength } backendKey)
        {
            yield return backendKey;
        }
    }
}
