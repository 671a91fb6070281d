using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Adapters;

/// <summary>
/// The agent's own session id and where it came from: a request header (<see cref="HeaderName"/>), or a body field
/// (<see cref="InBody"/>, e.g. <c>metadata.user_id</c>). Telemetry records only <see cref="Source"/>, never the value.
/// </summary>
public sealed record AgentSessionHeader(string HeaderName, string Value, bool InBody = false)
{
    /// <summary>The <c>sessionKey</c> telemetry value: <c>header:&lt;name&gt;</c> or the body field's path.</summary>
    public string Source => InBody ? HeaderName : $"header:{HeaderName}";

    /// <summary>The first of <paramref name="names"/> present with a non-blank value, or <see langword="null"/>.</summary>
    public static AgentSessionHeader? FirstOf(IHeaderDictionary headers, params ReadOnlySpan<string> names)
    {
        foreach (var name in names)
        {
            var value = headers[name].ToString().Trim();
            if (value.Length > 0)
            {
                return new AgentSessionHeader(name, value);
            }
        }

        return null;
    }

    /// <summary>
    /// Claude Code's session id inside <c>metadata.user_id</c>, a JSON string (<c>{"device_id":…,"session_id":…}</c>,
    /// 2.x) or the older <c>user_…_account_…_session_&lt;uuid&gt;</c>; <see langword="null"/> without one.
    /// </summary>
    public static AgentSessionHeader? FromMetadataUserId(JsonObject body)
    {
        if ((body["metadata"] as JsonObject)?["user_id"] is not JsonValue userIdNode || !userIdNode.TryGetValue<string>(out var userId) || userId.Length == 0)
        {
            return null;
        }

        string? session = null;
        if (userId.TrimStart().StartsWith('{'))
        {
            try
            {
                session = (JsonNode.Parse(userId) as JsonObject)?["session_id"] is JsonValue id && id.TryGetValue<string>(out var text) ? text : null;
            }
            catch (System.Text.Json.JsonException)
            {
                session = null;
            }
        }
        else if (userId.LastIndexOf("_session_", StringComparison.Ordinal) is var at and >= 0)
        {
            session = userId[(at + "_session_".Length)..];
        }

        return string.IsNullOrWhiteSpace(session) ? null : new AgentSessionHeader(MetadataUserId, session.Trim(), InBody: true);
    }

    /// <summary>The <c>sessionKey</c> of a session id found in <c>metadata.user_id</c>.</summary>
    public const string MetadataUserId = "metadata.user_id";
}
