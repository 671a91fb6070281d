using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>Registers the agent adapters, their detection and the start-up check of <c>Proxy:DefaultAgent</c>.</summary>
public static class AgentAdapterServiceCollectionExtensions
{
    public static IServiceCollection AddAgentAdapters(this IServiceCollection services)
    {
        services.AddAgentAdapter<OpenCodeAdapter>()
            .AddAgentAdapter<CrushAdapter>()
            .AddAgentAdapter<DroidAdapter>()
            .AddAgentAdapter<ForgeCodeAdapter>()
            .AddAgentAdapter<PiAdapter>()
            .AddAgentAdapter<ClaudeCodeAdapter>()
            .AddAgentAdapter<LiteLlmAdapter>();
        services.TryAddSingleton<AgentAdapterRegistry>();
        services.TryAddSingleton<AgentDetector>();
        services.TryAddSingleton<AgentResolver>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ProxyOptions>, DefaultAgentValidator>());
        return services;
    }

    /// <summary>Adds one adapter; its <see cref="IAgentAdapter.Name"/> becomes a valid <c>x-relay-agent</c> value.</summary>
    public static IServiceCollection AddAgentAdapter<TAdapter>(this IServiceCollection services)
        where TAdapter : class, IAgentAdapter
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAgentAdapter, TAdapter>());
        return services;
    }
}
