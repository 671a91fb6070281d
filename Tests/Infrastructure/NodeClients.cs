using System.Diagnostics;
using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Runs the real npm clients in <c>Tests/clients</c> as separate node processes against a real URL.</summary>
public static class NodeClients
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    /// <summary>One Messages request through the official <c>@anthropic-ai/sdk</c> (<c>anthropic-messages.mjs</c>).</summary>
    public static async Task<JsonObject> AnthropicMessagesAsync(string baseUrl, bool stream, JsonObject body, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = Path.Combine(RepoPaths.Root, "Tests", "clients"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("anthropic-messages.mjs");
        startInfo.ArgumentList.Add(baseUrl);
        startInfo.ArgumentList.Add(stream ? "stream" : "create");
        foreach (var name in new[] { "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN" })
        {
            startInfo.Environment.Remove(name);
        }

        using var process = Process.Start(startInfo)!;
        try
        {
            await process.StandardInput.WriteAsync(body.ToJsonString());
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).WaitAsync(s_timeout, cancellationToken);
            var text = await output;
            Assert.True(process.ExitCode == 0 && text.Length > 0, $"node exited {process.ExitCode}: {await errors}");
            return (JsonObject)JsonNode.Parse(text)!;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }
}
