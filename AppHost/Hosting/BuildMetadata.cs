using System.Reflection;

namespace AgentRelay.AppHost.Hosting;

/// <summary>Paths the build wrote into assembly attributes (see AppHost.csproj).</summary>
public static class BuildMetadata
{
    public static string Get(string key) =>
        typeof(BuildMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().First(attribute => attribute.Key == key).Value
        ?? throw new InvalidOperationException($"The build did not record {key}.");
}
