using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>Wiring of the ClaudeCli backend.</summary>
public static class ClaudeCliServiceCollectionExtensions
{
    /// <summary>The process registry and the locator (also used by <c>/health</c>, whatever the backend kind). The
    /// runtime's settings are the <c>Sessions</c> section's (<see cref="SessionsOptions"/>, registered and validated by
    /// <c>AddSessions</c>).</summary>
    public static IServiceCollection AddClaudeCliBackend(this IServiceCollection services)
    {
        services.AddSingleton<CliProcessRegistry>();
        services.AddSingleton<WarmProcesses>();
        services.AddSingleton<CliActivity>();
        services.AddSingleton<CliProcessPool>();
        services.AddSingleton<CliRuntime>();
        services.AddSingleton<ClaudeCliLocator>();
        services.AddSingleton<CliTranscriptJanitor>();
        services.AddHostedService(provider => provider.GetRequiredService<CliTranscriptJanitor>());
        return services;
    }

    /// <summary>The backend for <c>Backend:Kind=ClaudeCli</c>: the CLI client, or, when <c>Backend:ClaudePath</c> names
    /// nothing that exists, a backend that answers every request 503 with the install command.</summary>
    public static IBackendClient CreateClaudeCliBackend(IServiceProvider provider)
    {
        var path = provider.GetRequiredService<IOptions<BackendOptions>>().Value.ClaudePath;
        return ClaudeCliLocator.Resolve(path) is null
            ? new UnavailableBackendClient(CliFailures.NotInstalled(path, "not found"))
            : ActivatorUtilities.CreateInstance<ClaudeCliClient>(provider);
    }
}
