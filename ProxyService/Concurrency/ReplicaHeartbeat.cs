using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AgentRelay.ProxyService.Concurrency;

/// <summary>
/// Marks this replica alive in Redis every third of <c>Proxy:LeaseTtl</c> and remembers how many replicas were
/// alive the last time Redis answered: while Redis is unreachable, each replica limits itself to its fair share of
/// the global limit (<see cref="RedisConcurrencyLimiter.FairShare"/>).
/// </summary>
public sealed partial class ReplicaHeartbeat(
    IConnectionMultiplexer redis,
    IOptionsMonitor<ProxyOptions> options,
    TimeProvider time,
    ILogger<ReplicaHeartbeat> logger) : BackgroundService
{
    private readonly string _id = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}";
    private int _replicasSeen = 1;

    /// <summary>Replicas alive in Redis at the last heartbeat that reached it (this one included); 1 until then.</summary>
    public int ReplicasSeen => Volatile.Read(ref _replicasSeen);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var interval = options.CurrentValue.LeaseTtl / 3;
            // Until Redis first answers (it is connected in the background at start-up), look again soon.
            var beaten = await BeatAsync();
            try
            {
                await Task.Delay(beaten ? interval : TimeSpan.FromMilliseconds(Math.Min(250, interval.TotalMilliseconds)), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One heartbeat; the count is kept from before an outage while Redis does not answer.</summary>
    public async Task<bool> BeatAsync()
    {
        if (!redis.IsConnected)
        {
            return false;
        }

        try
        {
            var keys = new
            {
                replicas = (RedisKey)(RedisConcurrencyLimiter.KeyPrefix + "replicas"),
                id = _id,
                ttl = (long)options.CurrentValue.LeaseTtl.TotalMilliseconds,
            };
            var alive = (int)await RedisConcurrencyScripts.Heartbeat.EvaluateAsync(redis.GetDatabase(), keys);
            if (Interlocked.Exchange(ref _replicasSeen, Math.Max(1, alive)) != alive)
            {
                Log.ReplicasChanged(logger, alive);
            }

            return true;
        }
        catch (Exception exception) when (exception is RedisException or RedisTimeoutException)
        {
            // Keep the last count: it is what the fair share during the outage is based on.
            return false;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (redis.IsConnected)
        {
            // A replica that stops cleanly leaves at once; a killed one expires within the lease time.
            _ = redis.GetDatabase().SortedSetRemoveAsync(RedisConcurrencyLimiter.KeyPrefix + "replicas", _id, CommandFlags.FireAndForget);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Replicas} replica(s) share the concurrency limit; each falls back to its share of it if Redis becomes unreachable")]
        public static partial void ReplicasChanged(ILogger logger, int replicas);
    }
}
