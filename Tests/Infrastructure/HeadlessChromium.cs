using System.Diagnostics;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c>, headless, loading a page the way a person would: scripts run (with virtual time, so the
/// page's fetches finish), then the rendered DOM is returned and a screenshot written. A fresh profile each time,
/// deleted afterwards; the browser is killed by its own PID if it hangs.
/// </summary>
public static class HeadlessChromium
{
    public const string Executable = "/usr/bin/chromium";

    public static bool IsInstalled => File.Exists(Executable);

    public static async Task<string> RenderAsync(string url, string screenshotPath, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("agentrelay-chromium-");
        try
        {
            var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", $"--user-data-dir={profile.FullName}", "--window-size=1600,1200",
                "--virtual-time-budget=8000", $"--screenshot={screenshotPath}", "--dump-dom", url,
            })
            {
                info.ArgumentList.Add(argument);
            }

            using var browser = Process.Start(info)!;
            var stdout = browser.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = browser.StandardError.ReadToEndAsync(cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(45));
            try
            {
                await browser.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                browser.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not finish in 45 s: " + await stderr);
            }

            var dom = await stdout;
            Assert.True(browser.ExitCode == 0 && dom.Length > 0, $"Chromium failed ({browser.ExitCode}): {await stderr}");
            return dom;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
