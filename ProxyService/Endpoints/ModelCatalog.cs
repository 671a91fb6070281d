namespace AgentRelay.ProxyService.Endpoints;

/// <summary>A model the proxy offers, with its family (the CLI alias it maps to).</summary>
public sealed record ModelInfo(string Id, string DisplayName, string Family, DateTimeOffset CreatedAt, int ContextWindow);

/// <summary>The models listed by <c>GET /v1/models</c>, newest first within each family.</summary>
public static class ModelCatalog
{
    public static readonly IReadOnlyList<ModelInfo> Models =
    [
        new("claude-opus-4-7", "Claude Opus 4.7", "opus", new DateTimeOffset(2026, 4, 16, 0, 0, 0, TimeSpan.Zero), 200_000),
        new("claude-opus-4-6", "Claude Opus 4.6", "opus", new DateTimeOffset(2026, 2, 5, 0, 0, 0, TimeSpan.Zero), 200_000),
        new("claude-sonnet-4-6", "Claude Sonnet 4.6", "sonnet", new DateTimeOffset(2026, 2, 17, 0, 0, 0, TimeSpan.Zero), 200_000),
        new("claude-sonnet-4-5", "Claude Sonnet 4.5", "sonnet", new DateTimeOffset(2025, 9, 29, 0, 0, 0, TimeSpan.Zero), 200_000),
        new("claude-haiku-4-5", "Claude Haiku 4.5", "haiku", new DateTimeOffset(2025, 10, 15, 0, 0, 0, TimeSpan.Zero), 200_000),
    ];
}
