using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRelay.AppHost.Hosting;

/// <summary>Wiring of the front door: its public endpoint and one destination per proxy replica.</summary>
public static partial class FrontDoorHosting
{
    /// <summary>
    /// The public HTTP endpoint, bound by the front door itself (no orchestrator proxy in between, so a stream's bytes
    /// take one hop less); <paramref name="port"/> <see langword="null"/> lets the orchestrator pick a free port. Once
    /// the front door is up, the AppHost says where on its console.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPublicHttpEndpoint(this IResourceBuilder<ProjectResource> frontDoor, int? port) =>
        frontDoor.WithHttpEndpoint(port: port, isProxied: false)
            .WithExternalHttpEndpoints()
            .WithHttpHealthCheck("/frontdoor/health")
            .OnResourceReady((resource, @event, _) =>
            {
                var url = resource.GetEndpoint("http").Url;
                LogListening(@event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("AgentRelay.AppHost"), url);
                return Task.CompletedTask;
            });

    /// <summary>Adds <paramref name="replica"/> as a destination: <c>FrontDoor__Destinations__{name}</c> = its URL.</summary>
    public static IResourceBuilder<ProjectResource> WithReplica(this IResourceBuilder<ProjectResource> frontDoor, IResourceBuilder<ProjectResource> replica) =>
        frontDoor.WithEnvironment($"FrontDoor__Destinations__{replica.Resource.Name}", replica.GetEndpoint("http"));

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "AgentRelay is listening on {Url}")]
    private static partial void LogListening(ILogger logger, string url);
}
