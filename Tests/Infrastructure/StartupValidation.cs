using AgentRelay.ProxyService.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// Runs the proxy's real registration and its start-up validation for some settings, without starting a server (a
/// host that fails to start while WebApplicationFactory tears it down can surface an ObjectDisposedException instead).
/// </summary>
public static class StartupValidation
{
    /// <summary>The exception that stops start-up, or <see langword="null"/> when the settings are valid.</summary>
    public static Exception? Run(IReadOnlyDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddProxyServices();
        try
        {
            // Building can already read validated options (Kestrel's limits are applied while the server is created).
            using var app = builder.Build();
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }
}
