using System.Text.Json.Nodes;

namespace AgentRelay.ProxyService.Core;

/// <summary>
/// The one internal request model every endpoint produces and every backend consumes. <see cref="Body"/> is the
/// client's JSON as sent (unknown fields kept); the typed properties are validated views of it.
/// </summary>
public sealed class MessagesRequest
{
    public MessagesRequest(JsonObject body)
    {
        Body = body;
        Messages = body["messages"] as JsonArray ?? [];
        Model = body["model"]?.GetValue<string>();
        ClientStream = body["stream"]?.GetValue<bool>() ?? false;
    }

    /// <summary>The request JSON as the client sent it.</summary>
    public JsonObject Body { get; }

    public JsonArray Messages { get; }

    /// <summary>The requested model, or <see langword="null"/> when the client sent none.</summary>
    public string? Model { get; }

    /// <summary>The client's own <c>stream</c> (absent means <see langword="false"/>); whether the response is streamed
    /// is the adapter's decision, <see cref="ProxyRequestFeature.Stream"/>.</summary>
    public bool ClientStream { get; }
}
