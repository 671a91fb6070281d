namespace AgentRelay.Tests.Infrastructure;

/// <summary>Paths inside the repository, found by walking up from the test binaries to <c>aspire.sln</c>.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The pinned real clients (<c>Tests/clients/node_modules</c>, installed by <c>npm ci</c> or a symlink).</summary>
    public static string ClientsNodeModules => Path.Combine(Root, "Tests", "clients", "node_modules");

    /// <summary>The real <c>claude</c> CLI from <c>@anthropic-ai/claude-code</c>.</summary>
    public static string ClaudeCli => Path.Combine(ClientsNodeModules, ".bin", "claude");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "aspire.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No aspire.sln above {AppContext.BaseDirectory}.");
    }
}
