using System.Text.Json.Nodes;
using static AgentRelay.Tests.Adapters.AdapterTestHost;

namespace AgentRelay.Tests.Adapters;

public sealed class PiAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "pi";

    protected override string ExpectedMcpServer => "pi";

    protected override string? SessionHeader => null;

    protected override JsonObject? RequestReportingWorkingDirectory(string path) =>
        Request(Json($"You are an expert coding assistant.\nCurrent date and time: today\nCurrent working directory: {path}"));

    [Fact]
    public void Client_directory_is_the_same_report() =>
        Assert.Equal("/home/dev/pi", Adapter.ExtractClientWorkingDirectory(RequestReportingWorkingDirectory("/home/dev/pi")!));

    [Fact]
    public void Only_the_system_prompt_is_searched() =>
        Assert.Null(Adapter.ExtractWorkingDirectory(Request(user: Json("Current working directory: /from/user"))));
}
