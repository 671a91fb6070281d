using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentRelay.ProxyService.Core;

/// <summary>How the proxy writes JSON: compact, and without escaping non-ASCII text (these bodies are never HTML).</summary>
public static class JsonDefaults
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
