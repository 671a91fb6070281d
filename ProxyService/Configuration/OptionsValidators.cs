using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Configuration;

/// <summary>
/// Start-up validation. Every message names the configuration key, so a bad value stops the service
/// with a line the user can act on. All problems are collected, not just the first.
/// </summary>
internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.MaxConcurrentSessions is < 1 or > 100_000)
        {
            result.AddError($"Proxy:MaxConcurrentSessions must be between 1 and 100000 (got {options.MaxConcurrentSessions}).");
        }

        if (options.MaxQueueLength is < 0 or > 1_000_000)
        {
            result.AddError($"Proxy:MaxQueueLength must be between 0 and 1000000 (got {options.MaxQueueLength}).");
        }

        if (options.QueueTimeout <= TimeSpan.Zero)
        {
            result.AddError($"Proxy:QueueTimeout must be positive (got {options.QueueTimeout}).");
        }

        if (options.LeaseTtl < TimeSpan.FromSeconds(1))
        {
            result.AddError($"Proxy:LeaseTtl must be at least 00:00:01 (got {options.LeaseTtl}).");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            result.AddError($"Proxy:MaxRequestBodyBytes must be at least 1024 (got {options.MaxRequestBodyBytes}).");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultAgent))
        {
            result.AddError("Proxy:DefaultAgent must not be empty.");
        }

        return result.Build();
    }
}

internal sealed class RetryOptionsValidator : IValidateOptions<RetryOptions>
{
    public ValidateOptionsResult Validate(string? name, RetryOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.MaxRetries is < 0 or > 20)
        {
            result.AddError($"Retry:MaxRetries must be between 0 and 20 (got {options.MaxRetries}).");
        }

        if (options.BaseDelay < TimeSpan.Zero)
        {
            result.AddError($"Retry:BaseDelay must not be negative (got {options.BaseDelay}).");
        }

        if (options.MaxDelay < options.BaseDelay)
        {
            result.AddError($"Retry:MaxDelay ({options.MaxDelay}) must not be less than Retry:BaseDelay ({options.BaseDelay}).");
        }

        return result.Build();
    }
}

internal sealed class BackendOptionsValidator : IValidateOptions<BackendOptions>
{
    public ValidateOptionsResult Validate(string? name, BackendOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (!Enum.IsDefined(options.Kind))
        {
            result.AddError($"Backend:Kind must be one of {string.Join(", ", Enum.GetNames<BackendKind>())} (got {options.Kind}).");
        }

        if (options.Kind == BackendKind.AnthropicApi)
        {
            if (string.IsNullOrWhiteSpace(options.BaseUrl))
            {
                result.AddError("Backend:BaseUrl is required when Backend:Kind is AnthropicApi (an origin such as http://127.0.0.1:8080).");
            }
            else if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                result.AddError($"Backend:BaseUrl must be an absolute http(s) URL (got '{options.BaseUrl}').");
            }
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromDays(1))
        {
            result.AddError($"Backend:Timeout must be positive and at most 1.00:00:00 (got {options.Timeout}).");
        }

        if (string.IsNullOrWhiteSpace(options.ClaudePath))
        {
            result.AddError("Backend:ClaudePath must not be empty.");
        }

        return result.Build();
    }
}

internal sealed class ServerLimitsOptionsValidator : IValidateOptions<ServerLimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, ServerLimitsOptions options)
    {
        var result = new ValidateOptionsResultBuilder();
        if (options.RequestHeadersTimeout <= TimeSpan.Zero)
        {
            result.AddError($"Kestrel:Limits:RequestHeadersTimeout must be positive (got {options.RequestHeadersTimeout}).");
        }

        if (options.KeepAliveTimeout <= TimeSpan.Zero)
        {
            result.AddError($"Kestrel:Limits:KeepAliveTimeout must be positive (got {options.KeepAliveTimeout}).");
        }

        if (options.MaxConcurrentConnections < 1)
        {
            result.AddError($"Kestrel:Limits:MaxConcurrentConnections must be at least 1 (got {options.MaxConcurrentConnections}).");
        }

        if (options.MaxConcurrentUpgradedConnections < 0)
        {
            result.AddError($"Kestrel:Limits:MaxConcurrentUpgradedConnections must not be negative (got {options.MaxConcurrentUpgradedConnections}).");
        }

        if (options.MinRequestBodyBytesPerSecond <= 0)
        {
            result.AddError($"Kestrel:Limits:MinRequestBodyBytesPerSecond must be positive (got {options.MinRequestBodyBytesPerSecond}).");
        }

        if (options.MinRequestBodyGracePeriod < TimeSpan.FromSeconds(1))
        {
            result.AddError($"Kestrel:Limits:MinRequestBodyGracePeriod must be at least 00:00:01 (got {options.MinRequestBodyGracePeriod}).");
        }

        return result.Build();
    }
}
