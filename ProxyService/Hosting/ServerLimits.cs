using AgentRelay.ProxyService.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>Applies <see cref="ServerLimitsOptions"/> (validated at start-up) to Kestrel.</summary>
public static class ServerLimits
{
    public static IServiceCollection AddServerLimits(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<ServerLimitsOptions, ServerLimitsOptionsValidator>().BindConfiguration(ServerLimitsOptions.SectionName);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ServerLimitsOptions>>((kestrel, configured) =>
        {
            var limits = configured.Value;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            kestrel.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentUpgradedConnections;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.MinRequestBodyBytesPerSecond, limits.MinRequestBodyGracePeriod);
        });
        return services;
    }
}
