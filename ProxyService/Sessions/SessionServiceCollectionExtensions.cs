using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Backends;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>Registers the session store (Redis when <c>ConnectionStrings:redis</c> is set) and the session layer.</summary>
public static class SessionServiceCollectionExtensions
{
    public static IServiceCollection AddSessions(this IServiceCollection services, bool redis)
    {
        services.AddOptionsWithValidateOnStart<SessionsOptions, SessionsOptionsValidator>().BindConfiguration(SessionsOptions.SectionName);
        services.AddSingleton<InProcessSessionStore>();
        if (redis)
        {
            services.AddSingleton(provider => new RedisSessionStore(
                provider.GetRequiredService<IConnectionMultiplexer>(), provider.GetRequiredService<IOptionsMonitor<SessionsOptions>>()));
            services.AddSingleton(provider => ActivatorUtilities.CreateInstance<FailoverSessionStore>(provider, provider.GetRequiredService<RedisSessionStore>()));
        }
        else
        {
            services.AddSingleton<FailoverSessionStore>(provider => ActivatorUtilities.CreateInstance<FailoverSessionStore>(provider));
        }

        services.AddSingleton<ISessionStore>(provider => provider.GetRequiredService<FailoverSessionStore>());
        services.AddHealthChecks().AddCheck<SessionStoreHealthCheck>("sessions");
        return services;
    }

    /// <summary>The session layer: outermost, so lookup and store happen once per request, around every retry.</summary>
    public static BackendClientBuilder UseSessions(this BackendClientBuilder builder) =>
        builder.Use((inner, provider) => ActivatorUtilities.CreateInstance<SessionBackendClient>(provider, inner));
}
