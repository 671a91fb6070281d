using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Scripted replies for <see cref="FakeAnthropicServer"/>.</summary>
public static class Replies
{
    public static async Task Sse(HttpContext context, IEnumerable<JsonObject> events, TimeSpan delay = default, int? failAfter = null)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted);
        var written = 0;
        foreach (var data in events)
        {
            if (failAfter == written)
            {
                // A broken connection mid-stream. The pause lets the proxy read what was sent: a reset can
                // discard bytes still unread in the socket buffer.
                await Task.Delay(200, context.RequestAborted);
                context.Abort();
                return;
            }

            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.RequestAborted);
            }

            var type = data["type"]!.GetValue<string>();
            await context.Response.WriteAsync($"event: {type}\ndata: {data.ToJsonString()}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            written++;
        }
    }

    public static Func<HttpContext, Task> SseReply(IEnumerable<JsonObject> events, TimeSpan delay = default) =>
        context => Sse(context, events, delay);

    public static Func<HttpContext, Task> Json(int status, JsonObject body, string? retryAfter = null) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    };

    public static Func<HttpContext, Task> Error(int status, string type, string message, string? retryAfter = null) =>
        Json(status, new JsonObject { ["type"] = "error", ["error"] = new JsonObject { ["type"] = type, ["message"] = message } }, retryAfter);
}
