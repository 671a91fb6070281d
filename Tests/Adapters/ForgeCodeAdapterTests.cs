using System.Text.Json.Nodes;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

public sealed class ForgeCodeAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "forgecode";

    protected override string ExpectedMcpServer => "forgecode";

    protected override bool ExpectedKeepThinking => false;

    protected override string? SessionHeader => null;

    protected override JsonObject? RequestReportingWorkingDirectory(string path) =>
        Request(Json($"<system_information>\n<operating_system>linux</operating_system>\n<current_working_directory>{path}</current_working_directory>\n</system_information>"));

    [Theory]
    [InlineData("<current_working_directory>\n  /home/dev/forge \n</current_working_directory>", "/home/dev/forge")]
    [InlineData("<current_working_directory>/unclosed", null)]
    [InlineData("<current_working_directory></current_working_directory>", null)]
    public void Tag_content_is_trimmed_and_must_be_closed(string system, string? expected) =>
        Assert.Equal(expected, Adapter.ExtractWorkingDirectory(Request(Json(system))));
}
