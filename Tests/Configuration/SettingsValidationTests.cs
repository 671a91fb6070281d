using AgentRelay.ProxyService.Configuration;
using AgentRelay.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRelay.Tests.Configuration;

public sealed class SettingsValidationTests
{
    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "Proxy:MaxConcurrentSessions", "0", "Proxy:MaxConcurrentSessions" },
        { "Proxy:MaxQueueLength", "-1", "Proxy:MaxQueueLength" },
        { "Proxy:QueueTimeout", "00:00:00", "Proxy:QueueTimeout" },
        { "Proxy:LeaseTtl", "00:00:00.5", "Proxy:LeaseTtl" },
        { "Proxy:MaxRequestBodyBytes", "10", "Proxy:MaxRequestBodyBytes" },
        { "Retry:MaxRetries", "99", "Retry:MaxRetries" },
        { "Retry:MaxDelay", "00:00:01", "Retry:MaxDelay" },
        { "Backend:BaseUrl", "not a url", "Backend:BaseUrl" },
        { "Backend:BaseUrl", "", "Backend:BaseUrl is required" },
        { "Proxy:MaxConcurrentSessions", "many", "Proxy:MaxConcurrentSessions" },
        { "Backend:Kind", "Carrier-Pigeon", "Backend:Kind" },
        { "Backend:Timeout", "00:00:00", "Backend:Timeout" },
        { "Backend:Timeout", "2.00:00:00", "Backend:Timeout" },
        { "Kestrel:Limits:RequestHeadersTimeout", "-00:00:01", "Kestrel:Limits:RequestHeadersTimeout" },
        { "Kestrel:Limits:MaxConcurrentConnections", "0", "Kestrel:Limits:MaxConcurrentConnections" },
        { "Kestrel:Limits:MinRequestBodyBytesPerSecond", "0", "Kestrel:Limits:MinRequestBodyBytesPerSecond" },
        { "Kestrel:Limits:MinRequestBodyGracePeriod", "00:00:00.5", "Kestrel:Limits:MinRequestBodyGracePeriod" },
        { "Sessions:Ttl", "00:00:00", "Sessions:Ttl" },
        { "Sessions:MaxEntries", "0", "Sessions:MaxEntries" },
        { "Sessions:WarmIdle", "00:00:00", "Sessions:WarmIdle" },
        { "Sessions:MaxWarm", "-1", "Sessions:MaxWarm" },
        { "Sessions:PoolSize", "101", "Sessions:PoolSize" },
        { "Sessions:ToolResultTimeout", "2.00:00:00", "Sessions:ToolResultTimeout" },
    };

    [Fact]
    public void Kestrel_limits_are_set_deliberately_not_left_to_kestrels_defaults()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Backend:Kind"] = "AnthropicApi", ["Backend:BaseUrl"] = "http://127.0.0.1:9" });
        AgentRelay.ProxyService.Hosting.ProxyServiceCollectionExtensions.AddProxyServices(builder);
        using var app = builder.Build();
        var limits = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>>().Value.Limits;

        // Kestrel's own defaults: 30 s header timeout, unlimited connections and upgrades.
        Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromMinutes(2), limits.KeepAliveTimeout);
        Assert.Equal(1000, limits.MaxConcurrentConnections);
        Assert.Equal(0, limits.MaxConcurrentUpgradedConnections);
        Assert.Equal(240, limits.MinRequestBodyDataRate!.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), limits.MinRequestBodyDataRate.GracePeriod);
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_stops_start_up_with_a_message_naming_the_key(string key, string value, string expected)
    {
        var exception = StartupValidation.Run(new Dictionary<string, string?>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = "http://127.0.0.1:9",
            [key] = value,
        });

        Assert.NotNull(exception);
        Assert.Contains(expected, Flatten(exception));
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var result = new ProxyOptionsValidator().Validate(null, new ProxyOptions { MaxConcurrentSessions = 0, MaxQueueLength = -5, DefaultAgent = "" });

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
    }

    [Fact]
    public void Defaults_are_valid_and_match_the_interface()
    {
        var proxy = new ProxyOptions();
        var retry = new RetryOptions();
        Assert.False(new ProxyOptionsValidator().Validate(null, proxy).Failed);
        Assert.False(new RetryOptionsValidator().Validate(null, retry).Failed);
        Assert.Equal(("opencode", 50, 200, TimeSpan.FromMinutes(2), 32L * 1024 * 1024), (proxy.DefaultAgent, proxy.MaxConcurrentSessions, proxy.MaxQueueLength, proxy.QueueTimeout, proxy.MaxRequestBodyBytes));
        Assert.Equal((3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)), (retry.MaxRetries, retry.BaseDelay, retry.MaxDelay));
        Assert.Equal(BackendKind.ClaudeCli, new BackendOptions().Kind);
    }

    [Fact]
    public async Task The_real_process_exits_naming_the_key()
    {
        var (exitCode, output) = await ProxyProcess.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["Backend:Kind"] = "AnthropicApi",
            ["Backend:BaseUrl"] = "http://127.0.0.1:9",
            ["Retry:MaxRetries"] = "-3",
        }, TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Retry:MaxRetries must be between 0 and 20 (got -3)", output);
    }

    [Fact]
    public void Short_environment_aliases_rank_between_appsettings_and_canonical_variables()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Proxy:MaxConcurrentSessions"] = "50", ["Proxy:Debug"] = "false" });
        configuration.Sources.Add(new EnvironmentVariablesConfigurationSource());
        var fakeEnvironment = new Dictionary<string, string> { ["MAX_CONCURRENT_SESSIONS"] = "7", ["DEBUG_PROXY"] = "true" };

        configuration.AddEnvironmentAliases(name => fakeEnvironment.GetValueOrDefault(name));

        Assert.Equal("7", configuration["Proxy:MaxConcurrentSessions"]);
        Assert.Equal("true", configuration["Proxy:Debug"]);
        // The alias sits just before the environment source, so Proxy__X and the command line still win.
        var sources = configuration.Sources.ToList();
        Assert.Equal(sources.FindIndex(s => s is EnvironmentVariablesConfigurationSource) - 1, sources.FindIndex(s => s is Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource m && m.InitialData?.Any(d => d.Key == "Proxy:Debug" && d.Value == "true") == true));
    }

    [Fact]
    public async Task Env_alias_reaches_the_running_proxy()
    {
        await using var proxy = await ProxyProcess.StartAsync(
            new Dictionary<string, string> { ["Backend:Kind"] = "AnthropicApi", ["Backend:BaseUrl"] = "http://127.0.0.1:9" },
            new Dictionary<string, string> { ["MAX_CONCURRENT_SESSIONS"] = "0" }.AsReadOnly()).ContinueWith(t => t.IsFaulted ? null : t.Result);

        // 0 is invalid, so a proxy that honours the alias refuses to start.
        Assert.Null(proxy);
    }

    private static string Flatten(Exception exception) =>
        exception is AggregateException aggregate ? string.Join("\n", aggregate.InnerExceptions.Select(Flatten)) : exception.ToString();
}
