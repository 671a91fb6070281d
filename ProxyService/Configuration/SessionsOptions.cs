using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Configuration;

/// <summary>Settings of the <c>Sessions</c> section (see INTERFACE.md).</summary>
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

        return result.Build();
    }
}
