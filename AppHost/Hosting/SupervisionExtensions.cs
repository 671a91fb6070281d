using Microsoft.Extensions.DependencyInjection;

namespace AgentRelay.AppHost.Hosting;

/// <summary>Adds what Aspire does not do: <see cref="Watchdog"/> and <see cref="PromptShutdown"/>.</summary>
public static class SupervisionExtensions
{
    public static IDistributedApplicationBuilder AddSupervision(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            builder.Services.AddHostedService<Watchdog>();
            builder.Services.AddHostedService<PromptShutdown>();
        }

        return builder;
    }
}
