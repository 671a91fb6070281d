namespace AgentRelay.ProxyService.Adapters;

/// <summary>The Claude Code CLI's own tools, which act on the proxy host rather than the client's machine.</summary>
public static class BuiltinTools
{
    /// <summary>
    /// The reference proxy's blocked and agent-incompatible lists (PROXY-SPEC §2.3, B and C), plus the built-ins the
    /// pinned CLI 2.1.330 offers upstream (CLIENTS.md captures), without duplicates. <c>ToolSearch</c> is not here:
    /// the backend controls it with <c>ENABLE_TOOL_SEARCH</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> All =
    [
        // B: file, shell and web access.
        "Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "NotebookEdit", "WebFetch", "WebSearch", "TodoWrite",
        // C: tools that make no sense for a remote agent.
        "CronCreate", "CronDelete", "CronList", "EnterPlanMode", "ExitPlanMode", "EnterWorktree", "ExitWorktree",
        "AskUserQuestion", "Skill", "Agent", "TaskOutput", "TaskStop",
        // Seen in CLI 2.1.330's upstream tool lists.
        "Task", "TaskCreate", "TaskGet", "TaskList", "TaskUpdate", "ListAgents", "ReportFindings", "ScheduleWakeup",
        "SendMessage", "Workflow", "BashOutput", "KillShell", "LS",
    ];
}
