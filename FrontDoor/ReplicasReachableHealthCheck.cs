using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AgentRelay.FrontDoor;

/// <summary>
/// The front door's readiness: healthy once a replica answers its <c>/health</c> at all. Until then a request could
/// only get a 502, so the AppHost announces the front door (and Aspire marks it ready) only from then on. Any answer
/// counts: a replica that reports itself unhealthy (say, without the <c>claude</c> CLI) is up, and its own 503 tells
/// the client why.
/// </summary>
public sealed class ReplicasReachableHealthCheck(IReadOnlyCollection<string> replicas) : IHealthCheck
{
    public const string Name = "replicas";

    /// <summary>How long one replica's answer is waited for; a busy one still answers well within it.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private static readonly HttpClient s_http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = ProbeTimeout,
    };

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var answers = await Task.WhenAll(replicas.Select(replica => AnswersAsync(replica, cancellationToken)));
        var answering = answers.Count(answered => answered);
        return answering > 0
            ? HealthCheckResult.Healthy($"{answering} of {replicas.Count} replicas answer")
            : HealthCheckResult.Unhealthy($"none of {replicas.Count} replicas answers yet");
    }

    private static async Task<bool> AnswersAsync(string replica, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s_http.GetAsync(new Uri(new Uri(replica), "/health"), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
