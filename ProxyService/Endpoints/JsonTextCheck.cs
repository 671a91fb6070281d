using System.Text.Json;
using System.Text.Unicode;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// Finds a string in a JSON body that is not Unicode text: invalid UTF-8 bytes, or a <c>\u</c> escape of a lone
/// surrogate. <see cref="System.Text.Json"/> parses such a body and throws only when the string is read, which could
/// be deep in a backend; checking once when the request is read makes it a 400 that names the field.
/// </summary>
internal static class JsonTextCheck
{
    /// <summary>The path of the first such string (<c>messages.0.content.1.text</c>), or <see langword="null"/>.</summary>
    /// <param name="json">A body that has already parsed as JSON.</param>
    public static string? FindInvalidString(ReadOnlySpan<byte> json, int maxDepth)
    {
        // The common case costs one pass without allocations; the path is worked out only for a bad body.
        return IsAllValid(json, maxDepth) ? null : PathOfFirstInvalid(json, maxDepth);
    }

    private static bool IsAllValid(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsValid(ref reader))
            {
                return false;
            }
        }

        return true;
    }

    private static string PathOfFirstInvalid(ReadOnlySpan<byte> json, int maxDepth)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        // One entry per open container: the current property name of an object, the current index of an array.
        var path = new List<(bool IsArray, int Index, string? Name)>();
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.PropertyName or JsonTokenType.EndObject or JsonTokenType.EndArray) && path.Count > 0 && path[^1].IsArray)
            {
                path[^1] = path[^1] with { Index = path[^1].Index + 1 };
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    path.Add((false, -1, null));
                    break;
                case JsonTokenType.StartArray:
                    path.Add((true, -1, null));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    path.RemoveAt(path.Count - 1);
                    break;
                case JsonTokenType.PropertyName:
                    if (!IsValid(ref reader))
                    {
                        // The object holding the bad name is the last entry; its own path is the entries before it.
                        return Describe(path, path.Count - 1) is { Length: > 0 } parent ? parent : "(a property name at the top level)";
                    }

                    path[^1] = path[^1] with { Name = reader.GetString() };
                    break;
                case JsonTokenType.String when !IsValid(ref reader):
                    return Describe(path, path.Count);
            }
        }

        return "(unknown field)";
    }

    private static string Describe(List<(bool IsArray, int Index, string? Name)> path, int count) =>
        string.Join('.', path.Take(count)
            .Where(entry => entry.IsArray || entry.Name is not null)
            .Select(entry => entry.IsArray ? entry.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) : entry.Name));

    private static bool IsValid(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        try
        {
            // Unescaping checks the escapes (surrogates must pair) as well as the bytes between them.
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
