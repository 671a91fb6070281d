namespace AgentRelay.ProxyService.Adapters;

/// <summary>Charm Crush (<c>Charm-Crush/…</c>): no session header and no working directory in its prompt.</summary>
public sealed class CrushAdapter : AgentAdapter
{
    private static readonly AgentDetectionRule[] s_detectionRules = [AgentDetectionRule.UserAgentStartsWith(5, "Charm-Crush/")];

    public override string Name => AgentAdapterNames.Crush;

    public override IReadOnlyList<AgentDetectionRule> DetectionRules => s_detectionRules;
}
