using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>Tolerant reads of JSON that came from outside: a wrong kind is <see langword="null"/>, never an exception.</summary>
public static class JsonNodeExtensions
{
    public static string? AsString(this JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
