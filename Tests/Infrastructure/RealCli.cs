namespace AgentRelay.Tests.Infrastructure;

/// <summary>The real <c>claude</c> CLI as the proxy's backend, pointed at a <see cref="FakeAnthropicServer"/>.</summary>
public static class RealCli
{
    /// <summary>Fails the test (not a skip: without the real CLI these tests prove nothing) when the CLI is missing.</summary>
    public static void AssertInstalled() => Assert.True(File.Exists(RepositoryPaths.ClaudeCli),
        $"The real claude CLI is not installed at {RepositoryPaths.ClaudeCli} (building the Tests project installs it: eng/install-test-prerequisites.sh).");

    /// <summary>The proxy settings for <c>Backend:Kind=ClaudeCli</c> with the real CLI, its upstream and its own HOME and TMPDIR.</summary>
    public static Dictionary<string, string> BackendSettings(string upstreamBaseUrl, string home, string tmp, string upstreamApiKey = "sk-test") => new()
    {
        ["Backend:Kind"] = "ClaudeCli",
        ["Backend:ClaudePath"] = RepositoryPaths.ClaudeCli,
        ["Backend:Environment:ANTHROPIC_BASE_URL"] = upstreamBaseUrl,
        ["Backend:Environment:ANTHROPIC_API_KEY"] = upstreamApiKey,
        ["Backend:Environment:HOME"] = home,
        ["Backend:Environment:TMPDIR"] = tmp,
    };
}
