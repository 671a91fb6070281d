using System.Text.Json.Nodes;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven by <c>playwright-core</c> (<c>Tests/clients/dashboard-screenshot.mjs</c>)
/// because the Aspire dashboard is a Blazor Server app that renders only after its websocket connects: logs in with the
/// dashboard's login URL, opens a page, waits until a text appears, writes a screenshot and returns the page's text.
/// </summary>
public static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(Executable);

    public static async Task<string> RenderAsync(string loginUrl, string pageUrl, string waitForText, string screenshotPath)
    {
        var result = await NodeClient.RunAsync("dashboard-screenshot.mjs", [loginUrl, pageUrl, waitForText, screenshotPath], string.Empty,
            new Dictionary<string, string> { ["CHROMIUM_PATH"] = Executable });
        Assert.True(result["error"] is null, $"the browser failed: {result["error"]}");
        return result["text"]!.GetValue<string>();
    }
}
