namespace AgentRelay.Tests.Infrastructure;

/// <summary>Where things are in the checkout, found from the test assembly's location.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release, whichever the tests were built as.</summary>
    public static string Configuration { get; } = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    public static string Clients => Path.Combine(Root, "Tests", "clients");

    /// <summary>The pinned real clients (<c>npm install</c> in Tests/clients, which the Tests build runs through eng/install-test-prerequisites.sh).</summary>
    public static string ClientsNodeModules => Path.Combine(Clients, "node_modules");

    /// <summary>The real <c>claude</c> CLI from <c>@anthropic-ai/claude-code</c>.</summary>
    public static string ClaudeCli => Path.Combine(ClientsNodeModules, ".bin", "claude");

    public static string ProxyServiceDll =>
        Path.Combine(Root, "ProxyService", "bin", Configuration, "net10.0", "ProxyService.dll");

    /// <summary>The YARP front door (<c>FrontDoor</c>), in the same configuration.</summary>
    public static string FrontDoorDll =>
        Path.Combine(Root, "FrontDoor", "bin", Configuration, "net10.0", "FrontDoor.dll");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "aspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("aspire.sln not found above " + AppContext.BaseDirectory);
    }
}
