namespace AgentRelay.ProxyService.Adapters;

/// <summary>Charm Crush (<c>Charm-Crush/…</c>): no session header and no working directory in its prompt.</summary>
public sealed class CrushAdapter : AgentAdapter
{
    public override string Name => AgentAdapterNames.Crush;
}
