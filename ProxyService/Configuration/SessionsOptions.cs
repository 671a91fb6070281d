using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Configuration;

/// <summary>
/// The <c>Sessions</c> section: session state (kept in Redis or in process), the CLI transcripts the proxy owns, and
/// the ClaudeCli backend's live processes (warm processes per conversation, the pool, pending client tool calls).
/// </summary>
public sealed class SessionsOptions
{
    public const string SectionName = "Sessions";

    /// <summary>How long a conversation's session state is kept after its last use (refreshed on every use).</summary>
    /// <value>Defaults to 7 days.</value>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Bound of the in-process session store; the least recently used entry is evicted.</summary>
    /// <value>Defaults to 10,000.</value>
    public int MaxEntries { get; set; } = 10_000;

    /// <summary>Disk budget for the CLI transcripts the proxy owns under the backend's HOME; the oldest go first.</summary>
    /// <value>Defaults to 1 GiB.</value>
    public long TranscriptBudgetBytes { get; set; } = 1L << 30;

    /// <summary>ClaudeCli: how long an idle CLI process is kept for its conversation.</summary>
    /// <value>Defaults to 10 minutes.</value>
    public TimeSpan WarmIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>ClaudeCli: at most this many processes are kept for conversations (idle or waiting for a tool result);
    /// the least recently used is retired first. 0 turns warm processes off.</summary>
    /// <value>Defaults to 16.</value>
    public int MaxWarm { get; set; } = 16;

    /// <summary>ClaudeCli: processes started ahead for new conversations, per set of start-up options. 0 turns the pool off.</summary>
    /// <value>Defaults to 2.</value>
    public int PoolSize { get; set; } = 2;

    /// <summary>ClaudeCli: how long a client tool call waits for the client's <c>tool_result</c> before its process is recycled.</summary>
    /// <value>Defaults to 10 minutes.</value>
    public TimeSpan ToolResultTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

internal sealed class SessionsOptionsValidator : IValidateOptions<SessionsOptions>
{
    public ValidateOptionsResult Validate(string? name, SessionsOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.Ttl < TimeSpan.FromSeconds(1))
        {
            result.AddError($"Sessions:Ttl must be at least 00:00:01 (got {options.Ttl}).");
        }

        if (options.MaxEntries is < 1 or > 10_000_000)
        {
            result.AddError($"Sessions:MaxEntries must be between 1 and 10000000 (got {options.MaxEntries}).");
        }

        if (options.TranscriptBudgetBytes < 1024 * 1024)
        {
            result.AddError($"Sessions:TranscriptBudgetBytes must be at least 1048576 (got {options.TranscriptBudgetBytes}).");
        }

        if (options.WarmIdle <= TimeSpan.Zero)
        {
            result.AddError($"Sessions:WarmIdle must be positive (got {options.WarmIdle}).");
        }

        if (options.MaxWarm is < 0 or > 1000)
        {
            result.AddError($"Sessions:MaxWarm must be between 0 and 1000 (got {options.MaxWarm}).");
        }

        if (options.PoolSize is < 0 or > 100)
        {
            result.AddError($"Sessions:PoolSize must be between 0 and 100 (got {options.PoolSize}).");
        }

        if (options.ToolResultTimeout <= TimeSpan.Zero || options.ToolResultTimeout > TimeSpan.FromDays(1))
        {
            result.AddError($"Sessions:ToolResultTimeout must be positive and at most 1.00:00:00 (got {options.ToolResultTimeout}).");
        }

        return result.Build();
    }
}
