using System.Text;

namespace AgentRelay.Tests.Faults;

/// <summary>
/// Seeded generator of request bodies that must all be refused with a 4xx: broken JSON, wrong types, missing
/// fields, wrong content types, deep nesting, invalid UTF-8. The same seed gives the same bodies.
/// </summary>
public static class MalformedBodies
{
    public sealed record Body(byte[] Bytes, string ContentType)
    {
        public string Describe() => $"{ContentType}: {Encoding.UTF8.GetString(Bytes.AsSpan(0, Math.Min(Bytes.Length, 200)))}";
    }

    private const string Valid = """{"model":"claude-sonnet-4-6","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}""";

    private static readonly string[] s_shapes =
    [
        "", " ", "null", "true", "42", "\"text\"", "[]", "[{}]", "{}", "{\"messages\":null}", "{\"messages\":{}}",
        "{\"messages\":[]}", "{\"messages\":[1]}", "{\"messages\":[{\"role\":\"user\"}]}", "{\"messages\":[{\"role\":7,\"content\":\"x\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":42}]}", "{\"model\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "{\"max_tokens\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"max_tokens\":\"many\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"no type\"}]}]}",
        "{\"tools\":7,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", "{\"system\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}", "{'messages':[]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"\\uZZZZ\"}]}",
    ];

    /// <param name="syntaxOnly">Only bodies that are not JSON at all (for surfaces that translate before validating).</param>
    public static Body Next(Random random, int index, bool syntaxOnly = false)
    {
        var json = (index % 5) switch
        {
            0 when !syntaxOnly => s_shapes[random.Next(s_shapes.Length)],
            1 => Truncate(Valid, random),
            2 => Corrupt(Valid, random),
            3 => new string('[', random.Next(300, 2000)) + new string(']', random.Next(0, 10)),
            _ => "{\"messages\":" + new string(' ', random.Next(0, 100)) + Corrupt("[{\"role\":\"user\",\"content\":\"hi\"}]", random) + "}",
        };
        var bytes = Encoding.UTF8.GetBytes(json);
        if (index % 50 == 7)
        {
            // Invalid UTF-8 inside a string.
            bytes = [.. Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\""), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes("\"}]}")];
        }

        var contentType = (index % 7) switch
        {
            5 => "text/plain",
            6 => "application/json; charset=latin1",
            _ => "application/json",
        };
        return new Body(bytes, contentType);
    }

    private static string Truncate(string text, Random random) => text[..random.Next(0, text.Length - 1)];

    /// <summary>Deletes one structural character (always breaking the JSON), then maybe puts a raw control character in.</summary>
    private static string Corrupt(string text, Random random)
    {
        var structural = Enumerable.Range(0, text.Length).Where(i => "{}[]:,\"".Contains(text[i])).ToArray();
        var builder = new StringBuilder(text).Remove(structural[random.Next(structural.Length)], 1);
        if (random.Next(2) == 0)
        {
            builder.Insert(random.Next(builder.Length), (char)random.Next(1, 31));
        }

        return builder.ToString();
    }
}
