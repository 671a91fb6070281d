using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>Says which backend serves and whether it can; never includes a secret.</summary>
public sealed class BackendHealthCheck(IOptionsMonitor<BackendOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var backend = options.CurrentValue;
        var data = new Dictionary<string, object> { ["kind"] = backend.Kind.ToString() };
        if (backend.Kind == BackendKind.AnthropicApi)
        {
            data["baseUrl"] = backend.BaseUrl ?? string.Empty;
            return Task.FromResult(HealthCheckResult.Healthy("Forwarding to an Anthropic-compatible API.", data));
        }

        return Task.FromResult(HealthCheckResult.Degraded("The ClaudeCli backend is not implemented yet.", data: data));
    }
}
