namespace AgentRelay.AppHost.Hosting;

/// <summary>Where a .NET project's build output is, so the AppHost can start it with <c>dotnet &lt;assembly&gt;.dll</c>.</summary>
public interface IProjectMetadata
{
    string OutputDirectory { get; }

    string AssemblyName { get; }
}
