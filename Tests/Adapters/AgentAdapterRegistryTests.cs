using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRelay.Tests.Adapters;

public sealed class AgentAdapterRegistryTests
{
    [Fact]
    public void Every_built_in_adapter_and_alias_is_registered_once()
    {
        var registry = AdapterTestHost.Services().GetRequiredService<AgentAdapterRegistry>();

        Assert.Equal(["claude-code", "claudecode", "crush", "droid", "forgecode", "litellm", "opencode", "passthrough", "pi"], registry.Names);
        Assert.Equal(7, AdapterTestHost.Services().GetServices<IAgentAdapter>().Count());
    }

    [Fact]
    public void Registering_an_adapter_twice_keeps_one()
    {
        var services = new ServiceCollection().AddAgentAdapters().AddAgentAdapters().AddAgentAdapter<CrushAdapter>();

        Assert.Equal(7, services.Count(descriptor => descriptor.ServiceType == typeof(IAgentAdapter)));
    }

    [Fact]
    public void Two_adapters_with_one_name_are_refused()
    {
        var error = Assert.Throws<InvalidOperationException>(() => new AgentAdapterRegistry([new CrushAdapter(), new FakeCrush()]));

        Assert.Contains("'crush'", error.Message);
    }

    [Theory]
    [InlineData("opencode")]
    [InlineData("Passthrough")]
    [InlineData("claudecode")]
    public void Known_default_agent_is_valid(string name) =>
        Assert.True(Validate(name).Succeeded);

    [Fact]
    public void Unknown_default_agent_fails_with_the_key_and_the_valid_names()
    {
        var result = Validate("codex");

        Assert.True(result.Failed);
        Assert.Contains("Proxy:DefaultAgent 'codex'", result.FailureMessage);
        Assert.Contains("claude-code, claudecode (alias of claude-code), crush, droid, forgecode, litellm, opencode, passthrough (alias of litellm), pi", result.FailureMessage);
    }

    [Fact]
    public void Proxy_refuses_to_start_with_an_unknown_default_agent()
    {
        var error = Assert.IsType<OptionsValidationException>(StartupValidation.Run(new Dictionary<string, string?>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = "http://127.0.0.1:9",
            ["Proxy:DefaultAgent"] = "codex",
        }));

        Assert.Contains("Proxy:DefaultAgent 'codex' is not a known agent adapter. Valid names: claude-code", error.Message);
    }

    private static ValidateOptionsResult Validate(string defaultAgent)
    {
        var validators = AdapterTestHost.Services().GetServices<IValidateOptions<ProxyOptions>>();
        var validator = Assert.Single(validators.OfType<DefaultAgentValidator>());
        return validator.Validate(Options.DefaultName, new ProxyOptions { DefaultAgent = defaultAgent });
    }

    private sealed class FakeCrush : AgentAdapter
    {
        public override string Name => "crush";
    }
}
