using System.Text.Json.Nodes;
using AgentRelay.ProxyService.Core;

namespace AgentRelay.ProxyService.Endpoints;

/// <summary>
/// <c>GET /v1/models</c>: the Anthropic list shape for clients that send <c>anthropic-version</c>, the OpenAI shape
/// for everyone else.
/// </summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", ListModels);
        return app;
    }

    public static Task ListModels(HttpContext context)
    {
        var anthropic = context.Request.Headers.ContainsKey("anthropic-version");
        return ErrorBodies.WriteJsonAsync(context, StatusCodes.Status200OK, anthropic ? AnthropicList() : OpenAIList());
    }

    private static JsonObject AnthropicList()
    {
        var data = new JsonArray();
        foreach (var model in ModelCatalog.Models)
        {
            data.Add(new JsonObject
            {
                ["type"] = "model",
                ["id"] = model.Id,
                ["display_name"] = model.DisplayName,
                ["created_at"] = model.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
            });
        }

        return new JsonObject
        {
            ["data"] = data,
            ["has_more"] = false,
            ["first_id"] = ModelCatalog.Models[0].Id,
            ["last_id"] = ModelCatalog.Models[^1].Id,
        };
    }

    private static JsonObject OpenAIList()
    {
        var data = new JsonArray();
        foreach (var model in ModelCatalog.Models)
        {
            data.Add(new JsonObject
            {
                ["id"] = model.Id,
                ["object"] = "model",
                ["created"] = model.CreatedAt.ToUnixTimeSeconds(),
                ["owned_by"] = "anthropic",
                ["context_window"] = model.ContextWindow,
            });
        }

        return new JsonObject { ["object"] = "list", ["data"] = data };
    }
}
