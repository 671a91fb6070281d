using System.Text;
using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Upstream.ClaudeCli;

/// <summary>
/// The last few KB of the CLI's stderr, for error messages. Anything that looks like a credential is masked before it
/// is stored, so it cannot reach a log, a trace or an error body.
/// </summary>
public sealed partial class StderrTail(int capacity = 4096)
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();

    public void Append(string line)
    {
        var safe = Redact(line);
        lock (_lock)
        {
            _text.Append(safe).Append('\n');
            if (_text.Length > capacity)
            {
                _text.Remove(0, _text.Length - capacity);
            }
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _text.ToString().Trim();
        }
    }

    public static string Redact(string text) => Secret().Replace(text, match =>
        match.Value.StartsWith("sk-", StringComparison.Ordinal) ? "sk-***"
        : match.Value.StartsWith("Bearer", StringComparison.OrdinalIgnoreCase) ? "Bearer ***"
        : "***");

    /// <summary>API keys (<c>sk-…</c>, <c>sk-ant-…</c>), bearer tokens and key=value pairs that name a secret.</summary>
    [GeneratedRegex(@"sk-[A-Za-z0-9_\-]{6,}|Bearer\s+[A-Za-z0-9._\-~+/=]{6,}|(?<=(api[_-]?key|token|secret|password)[""']?\s*[:=]\s*[""']?)[^\s""',}]{6,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Secret();
}
