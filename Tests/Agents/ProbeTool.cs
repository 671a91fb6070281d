namespace AgentRelay.Tests.Agents;

/// <summary>
/// A shell command for the agent's own shell tool that appends one line to <c>probe.txt</c> and prints it. The line is
/// computed by the shell (<c>$((a+b))</c>), so its text reaches the upstream only if the tool really ran, and the
/// file's line count says how many times it ran.
/// </summary>
public sealed record ProbeTool(string Command, string Output)
{
    public static ProbeTool Create()
    {
        var n = Random.Shared.Next(1000, 9000);
        return new ProbeTool($"echo \"tool-ran-$(({n}+{n}))\" >> probe.txt && tail -n 1 probe.txt", $"tool-ran-{n + n}");
    }
}
