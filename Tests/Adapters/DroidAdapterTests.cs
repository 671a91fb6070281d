using System.Text.Json.Nodes;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

public sealed class DroidAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "droid";

    protected override string ExpectedMcpServer => "droid";

    protected override string? SessionHeader => null;

    protected override JsonObject? RequestReportingWorkingDirectory(string path) =>
        Request(user: $$"""[{"type":"text","text":{{Json($"<system-reminder>\n% pwd\n{path}\n</system-reminder>do it")}}}]""");

    [Fact]
    public void Plain_string_content_is_not_searched() =>
        Assert.Null(Adapter.ExtractWorkingDirectory(Request(user: Json("<system-reminder>\n% pwd\n/home/dev/p\n</system-reminder>do it"))));

    [Fact]
    public void Pwd_without_a_system_reminder_is_ignored() =>
        Assert.Null(Adapter.ExtractWorkingDirectory(Request(user: $$"""[{"type":"text","text":{{Json("% pwd\n/home/dev/p")}}}]""")));

    [Fact]
    public void The_first_matching_block_wins_across_messages()
    {
        var body = Body($$"""
            {"messages":[
              {"role":"user","content":[{"type":"text","text":"no reminder here"}]},
              {"role":"assistant","content":[{"type":"text","text":{{Json("<system-reminder>\n% pwd\n/assistant\n</system-reminder>")}}}]},
              {"role":"user","content":[{"type":"text","text":{{Json("<system-reminder>\nstatus\n% pwd\r\n/second\n</system-reminder>")}}},
                                        {"type":"text","text":{{Json("<system-reminder>\n% pwd\n/third\n</system-reminder>")}}}]}]}
            """);

        Assert.Equal("/second", Adapter.ExtractWorkingDirectory(body));
    }
}
