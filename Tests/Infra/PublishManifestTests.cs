using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Infra;

/// <summary>
/// What azd reads from the AppHost: its publish manifest (<c>--publisher manifest</c>, what <c>aspire do
/// publish-manifest</c> writes), produced by the built AppHost itself.
/// </summary>
public sealed class PublishManifestTests
{
    [Fact]
    public async Task Manifest_has_the_proxy_and_front_door_as_projects_with_their_bindings_and_redis_as_a_container()
    {
        using var output = new TempDirectory();
        var path = Path.Combine(output.Path, "aspire-manifest.json");
        var assembly = typeof(PublishManifestTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "AppHostAssembly").Value!;
        var info = new ProcessStartInfo("dotnet");
        foreach (var argument in new[] { assembly, "--publisher", "manifest", "--output-path", path, "--replicas", "3", "--redis", "none" })
        {
            info.ArgumentList.Add(argument);
        }

        var (exitCode, stdout, stderr) = await Processes.RunAsync(info, TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, $"publishing failed ({exitCode}):\n{stdout}\n{stderr}");
        var resources = JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!["resources"]!.AsObject();
        // Publishing describes a deployment: Redis is always the container, the replicas are the platform's to scale.
        Assert.StartsWith("container.v", resources["redis"]!["type"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("redis", resources["redis"]!["image"]!.GetValue<string>(), StringComparison.Ordinal);
        // (Besides them the manifest holds value entries Aspire derives, e.g. Redis's TLS condition.)
        Assert.Equal(["frontdoor", "proxy", "redis"], resources
            .Where(pair => pair.Value!["type"]!.GetValue<string>() is var type && (type.StartsWith("project.", StringComparison.Ordinal) || type.StartsWith("container.", StringComparison.Ordinal)))
            .Select(pair => pair.Key).Order());

        var proxy = resources["proxy"]!;
        Assert.Equal("project.v0", proxy["type"]!.GetValue<string>());
        Assert.EndsWith("ProxyService.csproj", proxy["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("{redis.connectionString}", proxy["env"]!["ConnectionStrings__redis"]!.GetValue<string>());
        Assert.Equal("http", proxy["bindings"]!["http"]!["scheme"]!.GetValue<string>());

        var frontDoor = resources["frontdoor"]!;
        Assert.Equal("project.v0", frontDoor["type"]!.GetValue<string>());
        Assert.Equal("{proxy.bindings.http.url}", frontDoor["env"]!["FrontDoor__Destinations__proxy"]!.GetValue<string>());
        Assert.True(frontDoor["bindings"]!["http"]!["external"]!.GetValue<bool>());
        // The loopback port 3456 is a developer's machine's; a deployment's platform picks its own.
        Assert.Null(frontDoor["bindings"]!["http"]!["targetPort"]);
    }
}
