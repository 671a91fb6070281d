using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Adapters;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

public sealed class OpenCodeAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "opencode";

    protected override string ExpectedMcpServer => "opencode";

    protected override string? SessionHeader => "x-opencode-session";

    // OpenCode 1.18's system prompt: the environment block after the instructions.
    protected override JsonObject? RequestReportingWorkingDirectory(string path) => Request(Json(
        $"You are opencode, an interactive CLI tool.\n<env>\n  Working directory: {path}\n  Is directory a git repo: no\n  Platform: linux\n</env>"));

    [Fact]
    public void Working_directory_is_found_in_a_later_system_block()
    {
        var body = Request($$"""[{"type":"text","text":"You are opencode."},{"type":"text","text":{{Json("<env>\nWorking directory: /home/dev/blocks\n</env>")}}}]""");

        Assert.Equal("/home/dev/blocks", Adapter.ExtractWorkingDirectory(body));
    }

    [Theory]
    [InlineData("<env>Working directory: /a/b</env>", "/a/b")]
    [InlineData("<env>\r\n  Working directory: C:\\work\\repo\r\n</env>", "C:\\work\\repo")]
    [InlineData("<env>\n  Working directory:    /padded  \n</env>", "/padded")]
    [InlineData("Working directory: /outside/env", null)]
    [InlineData("<env>\n  Platform: linux\n</env>", null)]
    [InlineData("<env>\n  Working directory: \n</env>", null)]
    public void Working_directory_needs_the_env_block_and_stops_at_a_line_end_or_tag(string system, string? expected) =>
        Assert.Equal(expected, Adapter.ExtractWorkingDirectory(Request(Json(system))));

    [Fact]
    public void Working_directory_in_a_user_message_is_not_the_agents_report() =>
        Assert.Null(Adapter.ExtractWorkingDirectory(Request(user: Json("<env>\nWorking directory: /from/user\n</env>"))));

    [Theory]
    [InlineData("x-opencode-session=a|x-session-affinity=b|x-session-id=c", "x-opencode-session", "a")]
    [InlineData("x-session-affinity=ses_1|x-session-id=ses_2", "x-session-affinity", "ses_1")]
    [InlineData("x-session-id=ses_only", "x-session-id", "ses_only")]
    [InlineData("x-opencode-session=|x-session-id=ses_3", "x-session-id", "ses_3")]
    public void Session_headers_are_taken_in_order_of_preference(string headers, string header, string value) =>
        Assert.Equal(new AgentSessionHeader(header, value), Adapter.GetSessionId(Headers(headers)));
}
