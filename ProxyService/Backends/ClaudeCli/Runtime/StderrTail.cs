using System.Text;
using AgentRelay.ProxyService.Security;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// The last few KB of the CLI's stderr, for error messages. Anything that looks like a credential is masked before it
/// is stored, so it cannot reach a log, a trace or an error body.
/// </summary>
public sealed class StderrTail(int capacity = 4096)
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _text = new();

    public void Append(string line)
    {
        var safe = SecretRedactor.RedactPatterns(line);
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
}
