using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using AgentRelay.Tests.Infrastructure;

namespace AgentRelay.Tests.Endpoints;

/// <summary>
/// Bodies that are well-formed JSON but hold text that is not Unicode: invalid UTF-8 bytes, or <c>\u</c> escapes of
/// a lone surrogate. Every string of a rich request on both surfaces, streamed and not, gets one (the kind and where
/// in the string chosen by a seeded random, so a failure reproduces): each answer is a 400
/// <c>invalid_request_error</c> in the endpoint's dialect naming the field, and nothing reaches the backend.
/// </summary>
public sealed class InvalidTextFuzzTests
{
    private const string Marker = "@@INVALID@@";

    private const string Messages = """
        {"model":"claude-sonnet-4-6","max_tokens":64,"stream":false,"system":[{"type":"text","text":"be brief"}],
         "metadata":{"user_id":"u1"},"stop_sequences":["END"],"tool_choice":{"type":"tool","name":"read"},
         "tools":[{"name":"read","description":"reads a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}],
         "messages":[
           {"role":"user","content":[{"type":"text","text":"hello"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]},
           {"role":"assistant","content":[{"type":"text","text":"reading"},{"type":"tool_use","id":"toolu_1","name":"read","input":{"path":"/tmp/a"}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"file text"}]},
           {"role":"assistant","content":"done"},
           {"role":"user","content":"again"}]}
        """;

    private const string ChatCompletions = """
        {"model":"claude-sonnet-4-6","max_tokens":64,"stream":false,"stop":["END"],"user":"u1",
         "tools":[{"type":"function","function":{"name":"read","description":"reads a file","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}}],
         "tool_choice":{"type":"function","function":{"name":"read"}},
         "messages":[
           {"role":"system","content":"be brief"},
           {"role":"developer","content":[{"type":"text","text":"dev note"}]},
           {"role":"user","content":[{"type":"text","text":"hello"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
           {"role":"assistant","content":"reading","tool_calls":[{"id":"call_1","type":"function","function":{"name":"read","arguments":"{\"path\":\"/tmp/a\"}"}}]},
           {"role":"tool","tool_call_id":"call_1","content":"file text"},
           {"role":"user","content":"again"}]}
        """;

    /// <summary>Invalid UTF-8 (a stray byte, an overlong form, an encoded surrogate, a cut sequence) and lone surrogate escapes.</summary>
    private static readonly byte[][] s_invalid =
    [
        [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0x80],
        Encoding.ASCII.GetBytes("\\uD800"), Encoding.ASCII.GetBytes("\\uDC00"), Encoding.ASCII.GetBytes("\\uD83D\\u0041"),
        Encoding.ASCII.GetBytes("\\uDBFF"),
    ];

    [Theory]
    [InlineData("/v1/messages", false)]
    [InlineData("/v1/messages", true)]
    [InlineData("/v1/messages/count_tokens", false)]
    [InlineData("/v1/chat/completions", false)]
    [InlineData("/v1/chat/completions", true)]
    public async Task Invalid_text_in_any_string_is_a_400_naming_the_field_and_never_reaches_the_backend(string path, bool stream)
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        await using var proxy = ProxyFactory.ForUpstream(upstream);
        var client = proxy.CreateClient();
        var openAI = path == "/v1/chat/completions";
        var seed = JsonNode.Parse(openAI ? ChatCompletions : Messages)!.AsObject();
        seed["stream"] = stream;
        var random = new Random(20261129 + path.Length + (stream ? 1 : 0));
        var fields = StringFields(seed, string.Empty).ToList();
        Assert.True(fields.Count > 15, $"only {fields.Count} string fields");

        var failures = new List<string>();
        foreach (var field in fields)
        {
            var invalid = s_invalid[random.Next(s_invalid.Length)];
            var body = WithInvalidText(seed, field.Set, invalid, random.Next(3));

            var response = await client.PostAsync(path, Content(body), TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            var error = (int)response.StatusCode == 400 ? ErrorOf(JsonNode.Parse(text)!, openAI) : default;
            if (error.Type != "invalid_request_error" || error.Message?.StartsWith(field.Path + ":", StringComparison.Ordinal) != true)
            {
                failures.Add($"{field.Path} with {Convert.ToHexString(invalid)}: {(int)response.StatusCode} {text}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {fields.Count}:\n{string.Join("\n", failures)}");
        Assert.Empty(upstream.Requests);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Invalid_text_in_a_property_name_is_a_400_too()
    {
        await using var upstream = await FakeAnthropicServer.StartAsync();
        await using var proxy = ProxyFactory.ForUpstream(upstream);
        var body = Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-6","max_tokens":8,"metadata":{"k@@":"v"},"messages":[{"role":"user","content":"hi"}]}""");
        body = Replace(body, Encoding.UTF8.GetBytes("@@"), [0xFE]);

        var response = await proxy.CreateClient().PostAsync("/v1/messages", Content(body), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = ErrorOf(JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!, openAI: false);
        Assert.StartsWith("metadata:", error.Message, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
    }

    private static (string? Type, string? Message) ErrorOf(JsonNode body, bool openAI) => openAI
        ? (body["error"]?["type"]?.GetValue<string>(), body["error"]?["message"]?.GetValue<string>())
        : body["type"]?.GetValue<string>() == "error"
            ? (body["error"]?["type"]?.GetValue<string>(), body["error"]?["message"]?.GetValue<string>())
            : default;

    private static ByteArrayContent Content(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Every string value with its path (<c>messages.0.content.1.text</c>) and a way to replace it in a copy.</summary>
    private static IEnumerable<(string Path, Func<JsonObject, string, JsonObject> Set)> StringFields(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (child is not null)
                    {
                        foreach (var field in StringFields(child, Join(path, key)))
                        {
                            yield return field;
                        }
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var field in StringFields(array[i]!, Join(path, i.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                    {
                        yield return field;
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
                var original = value.GetValue<string>();
                var at = path;
                yield return (path, (root, text) => Set(root, at, text.Replace("{}", original, StringComparison.Ordinal)));
                break;
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static JsonObject Set(JsonObject root, string path, string text)
    {
        JsonNode parent = root;
        var keys = path.Split('.');
        foreach (var key in keys[..^1])
        {
            parent = parent is JsonArray array ? array[int.Parse(key, System.Globalization.CultureInfo.InvariantCulture)]! : parent[key]!;
        }

        if (parent is JsonArray list)
        {
            list[int.Parse(keys[^1], System.Globalization.CultureInfo.InvariantCulture)] = text;
        }
        else
        {
            parent[keys[^1]] = text;
        }

        return root;
    }

    /// <summary>The body with the field's text holding <paramref name="invalid"/> at its start, middle or end.</summary>
    private static byte[] WithInvalidText(JsonObject seed, Func<JsonObject, string, JsonObject> set, byte[] invalid, int where)
    {
        var template = where switch { 0 => Marker + "{}", 1 => "{}" + Marker + "{}", _ => "{}" + Marker };
        var json = set((JsonObject)seed.DeepClone(), template).ToJsonString();
        return Replace(Encoding.UTF8.GetBytes(json), Encoding.UTF8.GetBytes(Marker), invalid);
    }

    private static byte[] Replace(byte[] bytes, byte[] marker, byte[] replacement)
    {
        var at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at >= 0);
        return [.. bytes[..at], .. replacement, .. bytes[(at + marker.Length)..]];
    }
}
