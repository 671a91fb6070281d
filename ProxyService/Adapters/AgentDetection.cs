namespace AgentRelay.ProxyService.Adapters;

/// <summary>Which adapter detection chose and why: <c>override:&lt;value&gt;</c>, <c>header:&lt;name&gt;</c>,
/// <c>user-agent:&lt;value&gt;</c> or <c>default</c>.</summary>
public sealed record AgentDetection(IAgentAdapter Adapter, string Reason)
{
    public const string DefaultReason = "default";

    public static string Override(string value) => $"override:{value}";

    public static string Header(string name) => $"header:{name}";

    public static string UserAgent(string value) => $"user-agent:{value}";
}
