namespace AgentRelay.ProxyService.Core;

/// <summary>The commit state of the client response: retries may only happen while nothing was committed.</summary>
public interface IResponseCommitment
{
    /// <summary>Whether any byte of the response has reached the client.</summary>
    bool Committed { get; }

    /// <summary>Discards uncommitted output before a retried attempt.</summary>
    void Reset();
}
