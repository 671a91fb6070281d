using AgentRelay.AppHost.Hosting;

namespace Projects;

/// <summary>
/// The projects the AppHost can start, as Aspire generates them from project references. The build writes the
/// output folder into an assembly attribute (see AppHost.csproj).
/// </summary>
public sealed class ProxyService : IProjectMetadata
{
    public string OutputDirectory { get; } = BuildMetadata.Get("ProxyServiceDirectory");

    public string AssemblyName => "ProxyService";
}
