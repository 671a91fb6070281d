namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// The system-prompt note for a client whose working directory is not the backend process's: the CLI tells the model
/// its own directory, which is wrong for a remote client.
/// </summary>
public static class WorkingDirectoryNote
{
    public static string? For(string? workingDirectory, string? clientWorkingDirectory)
    {
        if (string.IsNullOrEmpty(clientWorkingDirectory) || string.Equals(workingDirectory, clientWorkingDirectory, StringComparison.Ordinal))
        {
            return null;
        }

        var where = workingDirectory is null ? "on the proxy host" : $"at \"{workingDirectory}\" on the proxy host";
        return $"""
            <env>
            Working directory: {clientWorkingDirectory}
            </env>
            <relay-note>
            You are reached through a proxy. The process running you resides {where}, which is not the user's working directory. Always treat "{clientWorkingDirectory}" as the working directory when referring to files or paths.
            </relay-note>
            """;
    }
}
