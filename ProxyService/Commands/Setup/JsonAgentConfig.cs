using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Commands.Setup;

/// <summary>An agent whose config is one JSON object: parsed (comments and trailing commas tolerated), merged, written indented.</summary>
public abstract class JsonAgentConfig : IAgentConfig
{
    private static readonly JsonDocumentOptions s_read = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
    private static readonly JsonSerializerOptions s_write = new() { WriteIndented = true, IndentSize = 2 };

    public abstract string Name { get; }

    public abstract string PathIn(ToolEnvironment environment);

    public string Apply(string? existing, CommandOptions options)
    {
        var root = Parse(existing);
        var before = root.DeepClone();
        Merge(root, options);
        // Same content, maybe other formatting: the user's file is left exactly as it is.
        return existing is not null && JsonNode.DeepEquals(before, root) ? existing : root.ToJsonString(s_write) + "\n";
    }

    public bool PointsAt(string text, CommandOptions options)
    {
        try
        {
            return PointsAt(Parse(text), options);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public virtual string NextStep(string text, CommandOptions options) => NextStep(Parse(text), options);

    /// <summary>Puts AgentRelay's settings into <paramref name="root"/>, keeping everything else.</summary>
    protected abstract void Merge(JsonObject root, CommandOptions options);

    protected abstract bool PointsAt(JsonObject root, CommandOptions options);

    protected abstract string NextStep(JsonObject root, CommandOptions options);

    /// <summary>The object at <paramref name="name"/>, created when missing.</summary>
    /// <exception cref="FormatException">Something other than an object is there.</exception>
    protected static JsonObject Child(JsonObject parent, string name)
    {
        switch (parent[name])
        {
            case JsonObject child:
                return child;
            case null:
                var created = new JsonObject();
                parent[name] = created;
                return created;
            default:
                throw new FormatException($"'{name}' is not an object.");
        }
    }

    protected static string? Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonObject Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new JsonObject();
        }

        try
        {
            return JsonNode.Parse(text, documentOptions: s_read) as JsonObject ?? throw new FormatException("The file is not a JSON object.");
        }
        catch (JsonException exception)
        {
            throw new FormatException($"The file is not valid JSON ({exception.Message}).", exception);
        }
    }
}
