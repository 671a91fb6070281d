using AgentRelay.Tests.Infrastructure;
using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infra;

/// <summary>
/// The azd templates compile: <c>bicep build infra/main.bicep</c> with the Bicep CLI from NuGet
/// (Azure.Bicep.CommandLine.linux-x64), so a broken or sloppy template fails CI, not a deployment.
/// </summary>
public sealed class BicepTests
{
    [Fact]
    public async Task Main_template_compiles_without_warnings_to_an_arm_template_with_the_deployment_resources()
    {
        var (exitCode, stdout, stderr) = await RunBicepAsync("build", Path.Combine(RepositoryRoot(), "infra", "main.bicep"), "--stdout");

        Assert.True(exitCode == 0, $"bicep build failed ({exitCode}):\n{stderr}");
        Assert.DoesNotContain("Warning", stderr, StringComparison.Ordinal);
        var template = JsonNode.Parse(stdout)!.AsObject();
        Assert.Contains("subscriptionDeploymentTemplate.json", template["$schema"]!.GetValue<string>(), StringComparison.Ordinal);
        var text = template.ToJsonString();
        foreach (var resourceType in new[]
        {
            "Microsoft.App/managedEnvironments", "Microsoft.App/containerApps", "Microsoft.Cache/redis", "Microsoft.ContainerRegistry/registries",
            "Microsoft.OperationalInsights/workspaces", "Microsoft.Insights/components", "Microsoft.ManagedIdentity/userAssignedIdentities",
        })
        {
            Assert.Contains($"\"type\":\"{resourceType}\"", text, StringComparison.Ordinal);
        }

        // Credentials reach the app only as Container Apps secrets.
        Assert.Contains("\"secretRef\":\"redis-connection-string\"", text, StringComparison.Ordinal);
        Assert.Contains("\"secretRef\":\"proxy-api-key\"", text, StringComparison.Ordinal);
        Assert.Equal("securestring", template["parameters"]!["proxyApiKey"]!["type"]!.GetValue<string>());
        Assert.Equal("securestring", template["parameters"]!["backendApiKey"]!["type"]!.GetValue<string>());
        Assert.NotNull(template["outputs"]!["SERVICE_PROXY_URI"]);
        // The AppHost's two projects, each tagged with its resource name for azd; only the front door is public.
        Assert.NotNull(template["outputs"]!["SERVICE_FRONTDOOR_URI"]);
        Assert.Contains("'azd-service-name', 'frontdoor')", stdout, StringComparison.Ordinal);
        Assert.Contains("'azd-service-name', 'proxy')", stdout, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"FrontDoor__Destinations__proxy\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Azure_yaml_is_the_aspire_form_whose_one_service_is_the_apphost()
    {
        var yaml = File.ReadAllText(Path.Combine(RepositoryRoot(), "azure.yaml"));

        Assert.Contains("path: infra", yaml, StringComparison.Ordinal);
        Assert.Contains("project: ./AppHost/AppHost.csproj", yaml, StringComparison.Ordinal);
        Assert.Contains("host: containerapp", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("project: ./ProxyService", yaml, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(RepositoryRoot(), "infra", "main.parameters.json")));
        Assert.False(File.Exists(Path.Combine(RepositoryRoot(), "ProxyService", "Dockerfile")), "the SDK builds the image; no Dockerfile");
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunBicepAsync(params string[] arguments)
    {
        var package = typeof(BicepTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "BicepPackageDirectory").Value!;
        var info = new ProcessStartInfo(Path.Combine(package, "tools", "bicep"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No telemetry and no update checks: CI has no network beyond the package registries.
        info.Environment["BICEP_TRACING_ENABLED"] = "false";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return await Processes.RunAsync(info, TimeSpan.FromSeconds(60));
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "aspire.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("aspire.sln not found above " + AppContext.BaseDirectory);
    }
}
