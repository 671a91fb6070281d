using System.Text.RegularExpressions;
using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Security;

/// <summary>
/// Masks secrets in any text that leaves the proxy (upstream error bodies passed to clients, debug logs, CLI stderr):
/// the configured ones (<c>Proxy:ApiKey</c>, <c>Backend:ApiKey</c>) by value, and anything that looks like a
/// credential by pattern.
/// </summary>
public sealed partial class SecretRedactor(IOptionsMonitor<ProxyOptions> proxyOptions, IOptionsMonitor<BackendOptions> backendOptions)
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

        return RedactPatterns(text);
    }

    /// <summary>Masks what looks like a credential, for text from places that know no configured secret (CLI output).</summary>
    public static string RedactPatterns(string text) => CredentialPattern().Replace(text, match =>
        match.Value.StartsWith("sk-", StringComparison.Ordinal) ? "sk-" + Mask
        : match.Value.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) ? "Bearer " + Mask
        : Mask);

    /// <summary>API keys (<c>sk-…</c>, <c>sk-ant-…</c>), bearer tokens and key=value pairs that name a secret.</summary>
    [GeneratedRegex(@"sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9._\-~+/=]{6,}|(?<=(api[_-]?key|token|secret|password)[""']?\s*[:=]\s*[""']?)[^\s""',}]{6,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialPattern();

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
