using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// The store the session layer uses: Redis when configured and reachable, this process's store otherwise. An outage
/// never makes a request wait out Redis's timeouts or fail: the replica keeps its sessions in memory for
/// <see cref="FailOverPeriod"/> at a time (logged, and <c>/health</c> shows <c>sessions</c> degraded). When Redis is back,
/// an entry written here meanwhile wins over Redis's older one, so a conversation carries on where it was.
/// </summary>
public sealed partial class FailoverSessionStore(
    InProcessSessionStore local,
    TimeProvider time,
    ILogger<FailoverSessionStore> logger,
    RedisSessionStore? redis = null) : ISessionStore
{
    public static readonly TimeSpan FailOverPeriod = TimeSpan.FromSeconds(5);

    /// <summary>Longest a single Redis call may take before the replica fails over.</summary>
    public static readonly TimeSpan OperationTimeout = TimeSpan.FromSeconds(2);

    private long _failedOverUntilTicks;
    private int _degraded;

    /// <summary>Whether sessions are shared through Redis at all.</summary>
    public bool Shared => redis is not null;

    /// <summary>Whether Redis is configured but sessions are being kept in process right now.</summary>
    public bool Degraded => redis is not null && (Volatile.Read(ref _degraded) == 1 || !redis.IsConnected);

    public async ValueTask<SessionState?> GetAsync(string key, CancellationToken cancellationToken)
    {
        if (Remote() is { } store)
        {
            try
            {
                var shared = await store.GetAsync(key, cancellationToken).AsTask().WaitAsync(OperationTimeout, time, cancellationToken);
                Recovered();
                // Written here during an outage and newer than Redis's copy: it wins, at the version Redis expects.
                return local.Peek(key) is { } mine && (shared is null || mine.UpdatedAt > shared.UpdatedAt)
                    ? mine with { Version = shared?.Version ?? 0 }
                    : shared;
            }
            catch (Exception exception) when (IsRedisFailure(exception, cancellationToken))
            {
                FailOver(exception.Message);
            }
        }

        return await local.GetAsync(key, cancellationToken);
    }

    public async ValueTask<bool> SetAsync(string key, SessionState state, long expectedVersion, CancellationToken cancellationToken)
    {
        if (Remote() is { } store)
        {
            try
            {
                var written = await store.SetAsync(key, state, expectedVersion, cancellationToken).AsTask().WaitAsync(OperationTimeout, time, cancellationToken);
                if (written)
                {
                    await local.RemoveAsync(key, cancellationToken);
                }

                return written;
            }
            catch (Exception exception) when (IsRedisFailure(exception, cancellationToken))
            {
                FailOver(exception.Message);
            }
        }

        // In process the version is this replica's own; the state read may have come from Redis.
        return await local.SetAsync(key, state, local.Peek(key)?.Version ?? 0, cancellationToken);
    }

    public async ValueTask RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await local.RemoveAsync(key, cancellationToken);
        if (Remote() is { } store)
        {
            try
            {
                await store.RemoveAsync(key, cancellationToken).AsTask().WaitAsync(OperationTimeout, time, cancellationToken);
            }
            catch (Exception exception) when (IsRedisFailure(exception, cancellationToken))
            {
                FailOver(exception.Message);
            }
        }
    }

    /// <summary>Redis, unless it is absent, disconnected or failed over.</summary>
    private RedisSessionStore? Remote()
    {
        if (redis is null || time.GetUtcNow().UtcTicks < Interlocked.Read(ref _failedOverUntilTicks))
        {
            return null;
        }

        if (!redis.IsConnected)
        {
            FailOver("not connected");
            return null;
        }

        return redis;
    }

    private void FailOver(string reason)
    {
        Interlocked.Exchange(ref _failedOverUntilTicks, (time.GetUtcNow() + FailOverPeriod).UtcTicks);
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            Log.RedisUnavailable(logger, reason);
        }
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            Log.RedisBack(logger);
        }
    }

    private static bool IsRedisFailure(Exception exception, CancellationToken cancellationToken) =>
        exception is RedisException or RedisTimeoutException or TimeoutException
        || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Redis is unavailable for sessions; this replica keeps them in memory until it is back: {Reason}")]
        public static partial void RedisUnavailable(ILogger logger, string reason);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Redis is reachable again; sessions are shared again")]
        public static partial void RedisBack(ILogger logger);
    }
}

/// <summary><c>/health</c> entry <c>sessions</c>: degraded while a configured Redis is not being used.</summary>
public sealed class SessionStoreHealthCheck(FailoverSessionStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.Degraded
            ? HealthCheckResult.Degraded("Redis is unreachable; sessions are kept in this replica's memory until it is back.")
            : HealthCheckResult.Healthy(store.Shared ? "Sessions are shared through Redis." : "Sessions are kept in process (no Redis configured)."));
}
