using System.Text.RegularExpressions;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>
/// Maps the request's <c>model</c> to the CLI's <c>--model</c>. An exact Claude model id is passed through (the CLI sends
/// it to the API as is), the CLI's aliases stay aliases, and anything else collapses to its family alias
/// (<c>opus</c>, <c>sonnet</c>, <c>haiku</c>); unknown names (e.g. <c>gpt-4o</c>) get <see cref="DefaultAlias"/>.
/// </summary>
public static partial class ClaudeModels
{
    public const string DefaultAlias = "sonnet";

    private static readonly HashSet<string> s_aliases = new(StringComparer.Ordinal) { "opus", "sonnet", "haiku", "fable", "default" };

    public static string ToCliModel(string? requested)
    {
        var model = requested?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(model))
        {
            return DefaultAlias;
        }

        var bare = model.EndsWith("[1m]", StringComparison.Ordinal) ? model[..^4] : model;
        if (s_aliases.Contains(bare) || ExactId().IsMatch(bare) || LegacyId().IsMatch(bare))
        {
            return model;
        }

        return model.Contains("opus", StringComparison.Ordinal) ? "opus"
            : model.Contains("haiku", StringComparison.Ordinal) ? "haiku"
            : model.Contains("fable", StringComparison.Ordinal) ? "fable"
            : DefaultAlias;
    }

    /// <summary><c>claude-sonnet-4-6</c>, <c>claude-opus-4-1-20250805</c>, <c>claude-haiku-4-5</c>.</summary>
    [GeneratedRegex(@"^claude-(opus|sonnet|haiku|fable)-\d+(-\d+)?(-\d{8})?$", RegexOptions.CultureInvariant)]
    private static partial Regex ExactId();

    /// <summary><c>claude-3-7-sonnet-20250219</c>, <c>claude-3-5-haiku-latest</c>.</summary>
    [GeneratedRegex(@"^claude-\d+(-\d+)?-(opus|sonnet|haiku)(-\d{8}|-latest)?$", RegexOptions.CultureInvariant)]
    private static partial Regex LegacyId();
}
