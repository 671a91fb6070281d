using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.Tests.Adapters;

/// <summary>The adapters as the proxy registers them (<c>AddAgentAdapters</c>), without a web host.</summary>
public static class AdapterTestHost
{
    public static ServiceProvider Services(string defaultAgent = AgentAdapterNames.Default)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<ProxyOptions>().Configure(options => options.DefaultAgent = defaultAgent);
        services.AddAgentAdapters();
        return services.BuildServiceProvider();
    }

    public static AgentDetector Detector(string defaultAgent = AgentAdapterNames.Default) =>
        Services(defaultAgent).GetRequiredService<AgentDetector>();

    /// <summary>Headers from <c>"name=value|name=value"</c>.</summary>
    public static HeaderDictionary Headers(string spec)
    {
        var headers = new HeaderDictionary();
        foreach (var pair in spec.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=');
            headers.Append(pair[..at], pair[(at + 1)..]);
        }

        return headers;
    }

    public static JsonObject Body(string json) => JsonNode.Parse(json)!.AsObject();

    /// <summary>A minimal valid request with the given <c>system</c> and first user content (JSON fragments).</summary>
    public static JsonObject Request(string? system = null, string user = "\"hi\"", string extra = "") => Body(
        $$"""{"model":"claude-sonnet-4-6",{{(system is null ? "" : $"\"system\":{system},")}}{{extra}}"messages":[{"role":"user","content":{{user}}}]}""");

    public static string Json(string text) => JsonValue.Create(text).ToJsonString();
}
