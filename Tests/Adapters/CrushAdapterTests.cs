using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Adapters;

public sealed class CrushAdapterTests : AgentAdapterConformanceTests
{
    protected override string ExpectedName => "crush";

    protected override string ExpectedMcpServer => "crush";

    protected override string? SessionHeader => null;

    protected override JsonObject? RequestReportingWorkingDirectory(string path) => null;
}
