using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Backends.ClaudeCli;

/// <summary>Whole numbers from JSON, whatever CLR type backs the node (parsed text, int, long).</summary>
internal static class JsonNumbers
{
    public static long? Long(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number
            && long.TryParse(value.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    public static int? Int(JsonNode? node) => Long(node) is { } number and >= int.MinValue and <= int.MaxValue ? (int)number : null;

    /// <summary>As an <see cref="int"/> node when it fits, so readers asking for either type succeed.</summary>
    public static JsonNode Node(long value) => value is >= int.MinValue and <= int.MaxValue ? JsonValue.Create((int)value) : JsonValue.Create(value);
}
