using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// The registered API surfaces: the one list every route-shaped decision is derived from (the mapped endpoints, which
/// requests are API requests and in which dialect they are answered, the list at <c>GET /</c>).
/// </summary>
public sealed class ApiSurfaces(IEnumerable<ApiSurface> surfaces)
{
    /// <summary>The surfaces in registration order.</summary>
    public IReadOnlyList<ApiSurface> All { get; } = [.. surfaces];

    /// <summary>Every route of every surface.</summary>
    public IEnumerable<string> Paths => All.SelectMany(surface => surface.Routes).Select(route => route.Path);

    /// <summary>
    /// The surface a request belongs to and its canonical route: from the matched endpoint's metadata, else (a route
    /// that matched by path but not by method, so a 405) from the path, case and a trailing slash ignored;
    /// <see langword="null"/> for requests outside every surface, which are answered in Anthropic's shape.
    /// </summary>
    public (ApiSurface Surface, string Path)? Find(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ApiSurface>() is { } surface && endpoint.Metadata.GetMetadata<ApiRoute>() is { } route)
        {
            return (surface, route.Path);
        }

        var path = (context.Request.Path.Value ?? "/").TrimEnd('/');
        foreach (var candidate in All)
        {
            foreach (var candidateRoute in candidate.Routes)
            {
                if (string.Equals(path, candidateRoute.Path, StringComparison.OrdinalIgnoreCase))
                {
                    return (candidate, candidateRoute.Path);
                }
            }
        }

        return null;
    }
}

/// <summary>Registers and maps the API surfaces.</summary>
public static class ApiSurfaceExtensions
{
    public static IServiceCollection AddApiSurfaces(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ApiSurface, AnthropicMessagesSurface>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ApiSurface, OpenAIChatCompletionsSurface>());
        services.TryAddSingleton<ApiSurfaces>();
        services.TryAddSingleton<BackendRelay>();
        return services;
    }

    /// <summary>Maps every route of every surface as a <c>POST</c>, with the surface and the route as endpoint metadata.</summary>
    public static IEndpointRouteBuilder MapApiSurfaces(this IEndpointRouteBuilder app)
    {
        foreach (var surface in app.ServiceProvider.GetRequiredService<ApiSurfaces>().All)
        {
            foreach (var route in surface.Routes)
            {
                app.MapPost(route.Path, route.Handler).WithMetadata(surface, route);
            }
        }

        return app;
    }
}
