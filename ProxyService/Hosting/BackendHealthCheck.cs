using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>Says which backend serves and whether it can; never includes a secret.</summary>
public sealed class BackendHealthCheck(IOptionsMonitor<BackendOptions> options, ClaudeCliLocator claudeCli) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var backend = options.CurrentValue;
        var data = new Dictionary<string, object> { ["kind"] = backend.Kind.ToString() };
        if (backend.Kind == BackendKind.AnthropicApi)
        {
            data["baseUrl"] = backend.BaseUrl ?? string.Empty;
            return HealthCheckResult.Healthy("Forwarding to an Anthropic-compatible API.", data);
        }

        var cli = await claudeCli.GetStatusAsync(cancellationToken);
        data["claudePath"] = cli.ResolvedPath ?? cli.ConfiguredPath;
        if (cli.Version is { } version)
        {
            data["claudeVersion"] = version;
        }

        return cli.Usable
            ? HealthCheckResult.Healthy($"Claude CLI {cli.Version} at {cli.ResolvedPath}.", data)
            : HealthCheckResult.Unhealthy(cli.Problem, data: data);
    }
}
