namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// <c>redis-server</c> from PATH as an executable resource, for machines without a container runtime: it listens on
/// a loopback port the orchestrator picks and exposes the same connection string as Aspire's Redis container.
/// </summary>
public sealed class RedisServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)}");
}

/// <summary>Stands in the dashboard for a Redis that could not be provided, saying why.</summary>
public sealed class UnavailableRedisResource(string name) : Resource(name);
