using AgentRelay.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

// redis-server from PATH on a free loopback port, or ConnectionStrings:redis if given; with neither, the proxy keeps
// its sessions and limits in process, and the AppHost says so.
var redis = builder.AddRedis("redis");

// One replica listens on the public port itself; more sit behind one front door there (YARP, round robin).
builder.AddProject<Projects.ProxyService>("proxy")
    .WithReference(redis)
    .WaitFor(redis)
    .WithHttpHealthCheck("/health")
    .WithReplicas(builder.Configuration.GetValue("replicas", 1))
    .WithExternalHttpEndpoint(builder.Configuration.GetValue("port", 3456));

builder.Build().Run();
