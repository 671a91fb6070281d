using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>Writes JSON trees straight to UTF-8 output as the proxy writes JSON (<see cref="JsonDefaults"/>): no string in between.</summary>
public static class JsonWire
{
    /// <summary>The writer settings matching <see cref="JsonDefaults.Options"/>.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JsonDefaults.Options.Encoder, SkipValidation = true };

    /// <summary>Writes <paramref name="node"/> to <paramref name="output"/>, reusing <paramref name="reusableWriter"/> when given.</summary>
    public static void Write(IBufferWriter<byte> output, JsonNode node, Utf8JsonWriter? reusableWriter = null)
    {
        if (reusableWriter is null)
        {
            using var writer = new Utf8JsonWriter(output, WriterOptions);
            node.WriteTo(writer, JsonDefaults.Options);
            return;
        }

        reusableWriter.Reset(output);
        node.WriteTo(reusableWriter, JsonDefaults.Options);
        reusableWriter.Flush();
    }
}
