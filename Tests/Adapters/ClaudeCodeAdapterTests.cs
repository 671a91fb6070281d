using System.Text.Json.Nodes;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

public sealed class ClaudeCodeAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "claude-code";

    protected override string ExpectedMcpServer => "claude-code";

    protected override string? SessionHeader => "x-claude-code-session-id";

    protected override bool BackendUsesReportedDirectory => false;

    // Claude Code 2.1.330 in -p mode: the environment is a role:system entry inside messages (CLIENTS.md §4).
    protected override JsonObject? RequestReportingWorkingDirectory(string path) => Body($$"""
        {"messages":[
          {"role":"user","content":[{"type":"text","text":"say hi"}]},
          {"role":"system","content":[{"type":"text","text":{{Json($"# Environment\nYou have been invoked in the following environment: \n - Primary working directory: {path}\n - Is a git repository: false")}}}]}]}
        """);

    [Fact]
    public void Sdk_mode_reminder_in_the_first_user_message_is_found()
    {
        var body = Request(user: $$"""[{"type":"text","text":{{Json("<system-reminder>\n# Environment\n - Primary working directory: /home/dev/project\n - Platform: linux\n</system-reminder>")}}},{"type":"text","text":"hi"}]""");

        Assert.Equal("/home/dev/project", Adapter.ExtractClientWorkingDirectory(body));
        Assert.Null(Adapter.ExtractWorkingDirectory(body));
    }

    [Fact]
    public void System_prompt_is_searched_first()
    {
        var body = Request(Json("Primary working directory: /from/system<br>"), Json("Primary working directory: /from/user"));

        Assert.Equal("/from/system", Adapter.ExtractClientWorkingDirectory(body));
    }

    [Fact]
    public void Unhyphenated_name_is_an_alias()
    {
        var detection = Detector().Detect(Headers("x-relay-agent=claudecode"));

        Assert.Equal(Adapter.GetType(), detection.Adapter.GetType());
        Assert.Equal("override:claudecode", detection.Reason);
    }
}
