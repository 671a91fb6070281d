namespace AgentRelay.ProxyService.Configuration;

/// <summary>
/// The ClaudeCli backend's live processes (keys of the <c>Sessions</c> section): warm processes kept for their
/// conversation, the pool started ahead for new ones, and how long a client tool call may stay pending.
/// </summary>
public sealed class CliRuntimeOptions
{
    public const string SectionName = "Sessions";

    /// <summary>How long an idle CLI process is kept for its conversation.</summary>
    /// <value>Defaults to 10 minutes.</value>
    public TimeSpan WarmIdle { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many processes are kept for conversations (idle or waiting for a tool result); the least
    /// recently used is retired first. 0 turns warm processes off.</summary>
    /// <value>Defaults to 16.</value>
    public int MaxWarm { get; set; } = 16;

    /// <summary>CLI processes started ahead for new conversations, per set of start-up options. 0 turns the pool off.</summary>
    /// <value>Defaults to 2.</value>
    public int PoolSize { get; set; } = 2;

    /// <summary>How long a client tool call waits for the client's <c>tool_result</c> before its process is recycled.</summary>
    /// <value>Defaults to 10 minutes.</value>
    public TimeSpan ToolResultTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

internal sealed class CliRuntimeOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<CliRuntimeOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, CliRuntimeOptions options)
    {
        var result = new Microsoft.Extensions.Options.ValidateOptionsResultBuilder();
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
