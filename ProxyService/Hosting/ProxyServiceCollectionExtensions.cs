using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Backends;
using AgentRelay.ProxyService.Backends.AnthropicApi;
using AgentRelay.ProxyService.Backends.ClaudeCli;
using AgentRelay.ProxyService.Concurrency;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Endpoints;
using AgentRelay.ProxyService.Responses;
using AgentRelay.ProxyService.Security;
using AgentRelay.ProxyService.Sessions;
using AgentRelay.ProxyService.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>Registers the proxy: settings validated at start-up, the upstream chain, the request pipeline's services.</summary>
public static class ProxyServiceCollectionExtensions
{
    /// <summary>Where the proxy listens when nothing else says so: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:3456";

    public static WebApplicationBuilder AddProxyServices(this WebApplicationBuilder builder)
    {
        builder.Configuration.AddEnvironmentAliases();
        BindToLoopbackByDefault(builder);

        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<ProxyOptions, ProxyOptionsValidator>().BindConfiguration(ProxyOptions.SectionName);
        services.AddOptionsWithValidateOnStart<RetryOptions, RetryOptionsValidator>().BindConfiguration(RetryOptions.SectionName);
        services.AddOptionsWithValidateOnStart<BackendOptions, BackendOptionsValidator>().BindConfiguration(BackendOptions.SectionName);
        services.AddServerLimits();

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<RequestLog>();
        services.AddRelayTelemetry();
        services.AddSingleton<ErrorReporter>();
        services.AddSingleton<SecretRedactor>();
        services.AddApiSurfaces();
        services.AddAgentAdapters();
        services.AddProblemDetails();

        // The policy is read from the validated options, so it sees every configuration source (tests' included).
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<ProxyOptions>>((cors, proxy) => cors.AddDefaultPolicy(policy => policy
                .WithOrigins(proxy.Value.CorsOrigins).AllowAnyHeader().AllowAnyMethod()
                .WithExposedHeaders("x-relay-request-id", "x-relay-adapter", "x-relay-session")));

        services.AddHttpClient(AnthropicApiClient.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // As YARP does for forwarding: the client's bytes, no cookies, no redirects, no system proxy.
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                UseCookies = false,
                AllowAutoRedirect = false,
                UseProxy = false,
                ConnectTimeout = TimeSpan.FromSeconds(15),
            })
            // Standard resilience would cut long streams (10 s / 30 s) and retry under our own retry policy.
            .RemoveAllResilienceHandlers()
            // Its per-request log scope and start/end lines cost every request; the proxy's own span and log say more.
            .RemoveAllLoggers()
            .ConfigureHttpClient(client => client.Timeout = Timeout.InfiniteTimeSpan);

        services.AddSingleton<InProcessConcurrencyLimiter>();
        var redis = builder.TryAddRedis("redis");
        services.AddSessions(redis);
        if (redis)
        {
            services.AddSingleton<ReplicaHeartbeat>();
            services.AddHostedService(provider => provider.GetRequiredService<ReplicaHeartbeat>());
            services.AddSingleton<IConcurrencyLimiter, RedisConcurrencyLimiter>();
        }
        else
        {
            services.AddSingleton<IConcurrencyLimiter>(provider => provider.GetRequiredService<InProcessConcurrencyLimiter>());
        }

        services.AddSingleton<ConcurrencyGate>();
        services.AddSingleton<RetryJitter>();

        services.AddClaudeCliBackend();
        services.AddUpstreamClient()
            .UseSessions()
            .UseTracing()
            .UseRetries()
            .UseTimeout();

        services.AddHealthChecks().AddCheck<BackendHealthCheck>("backend");
        return builder;
    }

    /// <summary>The chain's innermost client is chosen by <c>Backend:Kind</c>; decorators are added with <c>Use*</c>.</summary>
    public static BackendClientBuilder AddUpstreamClient(this IServiceCollection services)
    {
        var builder = new BackendClientBuilder(CreateBackend);
        services.AddSingleton(builder);
        services.AddSingleton(provider => provider.GetRequiredService<BackendClientBuilder>().Build(provider));
        return builder;
    }

    public static BackendClientBuilder UseRetries(this BackendClientBuilder builder) =>
        builder.Use((inner, provider) => ActivatorUtilities.CreateInstance<RetryingBackendClient>(provider, inner));

    /// <summary>Per attempt, innermost: a silent backend is given up after <c>Backend:Timeout</c>.</summary>
    public static BackendClientBuilder UseTimeout(this BackendClientBuilder builder) =>
        builder.Use((inner, provider) => ActivatorUtilities.CreateInstance<TimeoutBackendClient>(provider, inner));

    public static BackendClientBuilder UseTracing(this BackendClientBuilder builder) =>
        builder.Use((inner, provider) => new TracingBackendClient(inner, "anthropic", provider.GetRequiredService<TimeProvider>()));

    private static IBackendClient CreateBackend(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<BackendOptions>>().Value;
        return options.Kind switch
        {
            BackendKind.AnthropicApi => ActivatorUtilities.CreateInstance<AnthropicApiClient>(provider,
                provider.GetRequiredService<IHttpClientFactory>().CreateClient(AnthropicApiClient.HttpClientName)),
            _ => ClaudeCliServiceCollectionExtensions.CreateClaudeCliBackend(provider),
        };
    }

    private static void BindToLoopbackByDefault(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var explicitlyBound = !string.IsNullOrEmpty(configuration["urls"])
            || !string.IsNullOrEmpty(configuration["http_ports"])
            || !string.IsNullOrEmpty(configuration["https_ports"])
            || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!explicitlyBound)
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
    }
}
