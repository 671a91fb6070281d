extern alias FrontDoorAssembly;

using AgentRelay.Tests.Infrastructure;
using FrontDoorAssembly::AgentRelay.FrontDoor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace AgentRelay.Tests.FrontDoor;

/// <summary>The front door is ready once a replica answers at all (its own 503 included), not while none listens.</summary>
public sealed class ReplicasReachableHealthCheckTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unhealthy_while_no_replica_listens_healthy_once_one_answers_even_with_its_own_503()
    {
        var silent = $"http://127.0.0.1:{LoopbackPorts.Free()}";
        var check = new ReplicasReachableHealthCheck([silent]);
        Assert.Equal(HealthStatus.Unhealthy, (await check.CheckHealthAsync(new HealthCheckContext(), Cancel)).Status);

        // A replica that is up but reports itself unhealthy (e.g. no claude CLI).
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var replica = builder.Build();
        replica.MapGet("/health", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        await replica.StartAsync(Cancel);

        var result = await new ReplicasReachableHealthCheck([silent, replica.Urls.First()]).CheckHealthAsync(new HealthCheckContext(), Cancel);
        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("1 of 2 replicas answer", result.Description);
    }
}
