using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// One API dialect the proxy speaks (Anthropic Messages, OpenAI Chat Completions), as one object: its routes and their
/// handlers, how its body becomes a <see cref="MessagesRequest"/>, its error dialect and the response sinks it writes
/// with. Nothing else lists a route or decides a dialect: <see cref="ApiSurfaces"/> maps the routes with the surface as
/// endpoint metadata, and the request context reads it from there.
/// </summary>
/// <remarks>Add a surface by deriving from this class and registering it in <see cref="ApiSurfaceExtensions.AddApiSurfaces"/>.</remarks>
public abstract class ApiSurface
{
    /// <summary>The surface's name in logs and tests (<c>anthropic-messages</c>, <c>openai-chat-completions</c>).</summary>
    public abstract string Name { get; }

    /// <summary>The shape of every error answered as a whole response to a request on this surface.</summary>
    public abstract ErrorDialect Dialect { get; }

    /// <summary>The surface's routes, each a <c>POST</c> with its handler (a minimal-API delegate).</summary>
    public abstract IReadOnlyList<ApiRoute> Routes { get; }

    public override string ToString() => Name;
}

/// <summary>One <c>POST</c> route of an <see cref="ApiSurface"/>.</summary>
/// <param name="Path">The canonical path; it is also the request's <c>path</c> in telemetry.</param>
/// <param name="Handler">The minimal-API handler.</param>
public sealed record ApiRoute(string Path, Delegate Handler);
