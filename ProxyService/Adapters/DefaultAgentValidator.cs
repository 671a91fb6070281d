using AgentRelay.ProxyService.Configuration;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>Start-up check that <c>Proxy:DefaultAgent</c> names a registered adapter, listing the valid names if not.</summary>
internal sealed class DefaultAgentValidator(AgentAdapterRegistry registry) : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.DefaultAgent) || registry.TryGet(options.DefaultAgent, out _))
        {
            // Empty is reported by ProxyOptionsValidator.
            return ValidateOptionsResult.Success;
        }

        return ValidateOptionsResult.Fail(
            $"Proxy:DefaultAgent '{options.DefaultAgent}' is not a known agent adapter. Valid names: {registry.Describe()}.");
    }
}
