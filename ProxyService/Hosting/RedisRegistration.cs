using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>
/// Redis through Aspire's client integration (<c>Aspire.StackExchange.Redis</c>): one shared multiplexer from
/// <c>ConnectionStrings:{name}</c>, Redis commands traced as spans of the request that made them. Two of Aspire's
/// defaults are replaced because an outage must never stop or slow the proxy: the multiplexer connects in the
/// background instead of during start-up, and the health check reports Degraded, not Unhealthy (the proxy keeps serving
/// on its in-process limit, and an unhealthy replica would be taken out of the front door).
/// </summary>
public static class RedisRegistration
{
    /// <summary>Registers the Redis client when the connection string is set; returns whether it was.</summary>
    public static bool TryAddRedis(this WebApplicationBuilder builder, string connectionName)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(connectionName)))
        {
            return false;
        }

        builder.AddRedisClient(
            connectionName,
            settings =>
            {
                settings.DisableHealthChecks = true;
                settings.DisableAutoActivation = true;
            },
            options => options.ClientName ??= "agentrelay-proxy");
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
                return HealthCheckResult.Degraded(Unreachable, exception);
            }
        }
    }
}
