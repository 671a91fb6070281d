using AgentRelay.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);
var options = AppHostOptions.From(builder, args);

// A container where a container runtime works, else redis-server from PATH, else none (the proxies then keep their
// sessions and limits in process); --redis picks one. Publishing always describes the container.
var redis = builder.AddRedisAsAvailable("redis", options.Redis);

// The one public port: YARP, routing to the healthy replicas.
var frontDoor = builder.AddProject<Projects.FrontDoor>("frontdoor")
    .WithPublicHttpEndpoint(options.Port);

for (var replica = 1; replica <= options.Replicas; replica++)
{
    var proxy = builder.AddProject<Projects.ProxyService>(options.Replicas == 1 ? "proxy" : $"proxy-{replica}")
        .WithHttpEndpoint(isProxied: false)
        .WithHttpHealthCheck("/health")
        .WithUrlForEndpoint("http", _ => new() { Url = "/telemetry", DisplayText = "telemetry" })
        .WithRedis(redis)
        .WithArgs(options.ProxyArguments);
    frontDoor.WithReplica(proxy);
}

// What Aspire does not do: restart what crashed, and stop the projects promptly.
builder.AddSupervision();

builder.Build().Run();
