namespace AgentRelay.ProxyService.Commands;

/// <summary>The lines of <c>agentrelay doctor</c>: one per check, with the fix on failures and warnings.</summary>
public sealed class DoctorReport(TextWriter output)
{
    public int Failures { get; private set; }

    public Task OkAsync(string check, string detail) => output.WriteLineAsync($"  ok    {check,-12} {detail}");

    public Task InfoAsync(string check, string detail, string fix) => output.WriteLineAsync($"  --    {check,-12} {detail}; {fix}");

    public Task WarnAsync(string check, string detail, string fix) => output.WriteLineAsync($"  warn  {check,-12} {detail}\n        fix: {fix}");

    public Task FailAsync(string check, string detail, string fix)
    {
        Failures++;
        return output.WriteLineAsync($"  FAIL  {check,-12} {detail}\n        fix: {fix}");
    }
}
