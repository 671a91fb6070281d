using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// The proxy in process, configured through settings only (the same keys a user sets). Use <see cref="ForUpstream"/>
/// for the common case of the AnthropicApi backend pointed at a fake.
/// </summary>
public sealed class ProxyFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<Program>
{
    public static ProxyFactory ForUpstream(FakeAnthropicServer upstream, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = upstream.BaseUrl,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return new ProxyFactory(settings);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        if (configureServices is not null)
        {
            builder.ConfigureServices(configureServices);
        }
    }
}
