using AgentRelay.ProxyService.Adapters;
using AgentRelay.ProxyService.Configuration;
using AgentRelay.ProxyService.Core;
using AgentRelay.ProxyService.Endpoints;
using AgentRelay.ProxyService.Responses;
using AgentRelay.ProxyService.Security;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace AgentRelay.ProxyService.Hosting;

/// <summary>The middleware order, in one place.</summary>
public static class ProxyApplicationExtensions
{
    public static WebApplication UseProxyPipeline(this WebApplication app)
    {
        // Outermost: no exception ever reaches the client as a stack trace.
        app.UseExceptionHandler(errorApp => errorApp.Run(WriteUnhandledError));
        // Explicitly here, so that routing failures are inside the exception handler too, and the request context can
        // read the API surface from the matched endpoint.
        app.UseRouting();
        app.UseMiddleware<RequestContextMiddleware>();
        // Empty 4xx answers (unknown route, wrong method, bad query) get a JSON body in the caller's dialect; inside the
        // request context, so that the request's record and span have the error too.
        app.UseStatusCodePages(context => WriteStatusError(context.HttpContext));
        // No CORS headers at all unless origins are configured: a web page must not be able to drive the proxy.
        if (app.Services.GetRequiredService<IOptions<ProxyOptions>>().Value.CorsOrigins is { Length: > 0 })
        {
            app.UseCors();
        }

        // Before the key check: a refused request still says which adapter saw it.
        app.UseMiddleware<AgentDetectionMiddleware>();
        app.UseMiddleware<ApiKeyMiddleware>();
        return app;
    }

    private static Task WriteUnhandledError(HttpContext context)
    {
        var requestId = context.Response.Headers[RequestContextMiddleware.RequestIdHeader].ToString();
        var exception = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var failure = exception is BadHttpRequestException badRequest
            ? new BackendFailure(badRequest.StatusCode == StatusCodes.Status413PayloadTooLarge ? ProxyError.RequestTooLarge : ProxyError.RequestInvalid,
                badRequest.StatusCode, AnthropicErrorTypes.TypeOf(badRequest.StatusCode), "The request could not be read.")
            : new BackendFailure(ProxyError.Internal, StatusCodes.Status500InternalServerError, AnthropicErrorTypes.Api,
                $"Internal proxy error. The proxy's log has the details under request id {requestId}.".Replace(" under request id .", "."));
        return context.RequestServices.GetRequiredService<ErrorReporter>().AnswerAsync(context, failure);
    }

    private static Task WriteStatusError(HttpContext context)
    {
        var status = context.Response.StatusCode;
        var (stage, message) = status switch
        {
            StatusCodes.Status404NotFound => (ProxyError.RouteNotFound, $"Not found: {context.Request.Method} {context.Request.Path}"),
            StatusCodes.Status405MethodNotAllowed => (ProxyError.RouteNotFound, $"Method not allowed: {context.Request.Method} {context.Request.Path}"),
            StatusCodes.Status413PayloadTooLarge => (ProxyError.RequestTooLarge, "Request body too large."),
            _ => (ProxyError.RequestInvalid, $"The request failed with status {status}."),
        };
        return context.RequestServices.GetRequiredService<ErrorReporter>()
            .AnswerAsync(context, new BackendFailure(stage, status, AnthropicErrorTypes.TypeOf(status), message));
    }
}
