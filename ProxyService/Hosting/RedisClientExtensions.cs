using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>
/// Our equivalent of Aspire's <c>AddRedisClient</c>: one shared multiplexer from <c>ConnectionStrings:{name}</c>,
/// never aborting on a failed first connect (the proxy must start while Redis is still coming up), and a health check.
/// </summary>
public static class RedisClientExtensions
{
    /// <summary>Registers the multiplexer when the connection string is set; returns whether it was.</summary>
    public static bool AddRedisClient(this WebApplicationBuilder builder, string connectionName)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var options = ConfigurationOptions.Parse(connectionString);
            options.AbortOnConnectFail = false;
            options.ClientName ??= "agentrelay-proxy";
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>(connectionName);
        builder.Services.AddHostedService<RedisConnector>();
        return true;
    }

    /// <summary>Starts connecting when the service starts, not on the first request; never blocks or fails start-up.</summary>
    private sealed class RedisConnector(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = Task.Run(() => services.GetRequiredService<IConnectionMultiplexer>(), CancellationToken.None);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
    {
        private const string Unreachable = "Redis is unreachable; concurrency is limited per replica.";

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            // Answer at once rather than wait out a PING timeout longer than any health probe's.
            if (!redis.IsConnected)
            {
                return HealthCheckResult.Degraded(Unreachable);
            }

            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:0.#} ms.");
            }
            catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
            {
                // Degraded, not unhealthy: the proxy keeps serving on its in-process limit.
                return HealthCheckResult.Degraded(Unreachable, exception);
            }
        }
    }
}
