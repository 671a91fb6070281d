namespace AgentRelay.ProxyService.Sessions;

/// <summary>
/// Where session state lives: Redis (shared by replicas) or this process. Both pass one conformance suite. Every entry
/// expires <c>Sessions:Ttl</c> after its last use.
/// </summary>
public interface ISessionStore
{
    /// <summary>The state under <paramref name="key"/>, or <see langword="null"/>; a hit refreshes its expiry.</summary>
    ValueTask<SessionState?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="state"/> if the stored version is still <paramref name="expectedVersion"/> (0 = absent),
    /// atomically; the stored version becomes <c>expectedVersion + 1</c>. Returns whether it was written.
    /// </summary>
    ValueTask<bool> SetAsync(string key, SessionState state, long expectedVersion, CancellationToken cancellationToken);

    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);
}
