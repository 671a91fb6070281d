using System.Globalization;

namespace AgentRelay.AppHost.Hosting;

/// <summary>
/// The terminal view of the resources: one line per change (time, name, state, URL, restarts, detail) and a table
/// once everything has started. Plain text, so it stays readable in any terminal, in a log file and in CI.
/// </summary>
public sealed class ConsoleView(ResourceNotificationService notifications, TextWriter output)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string State, string? Detail, int Restarts)> _shown = new(StringComparer.Ordinal);

    public void Attach() => notifications.Changed += OnChanged;

    public void Detach() => notifications.Changed -= OnChanged;

    public void Say(string message)
    {
        lock (_lock)
        {
            output.WriteLine($"{Time()} {message}");
            output.Flush();
        }
    }

    public void PrintTable()
    {
        var rows = notifications.All();
        var nameWidth = Math.Max(8, rows.Max(r => r.Name.Length));
        var stateWidth = Math.Max(7, rows.Max(r => r.State.Length));
        var urlWidth = Math.Max(3, rows.Max(r => r.Url?.Length ?? 1));
        lock (_lock)
        {
            output.WriteLine();
            output.WriteLine($"  {"RESOURCE".PadRight(nameWidth)}  {"STATE".PadRight(stateWidth)}  {"URL".PadRight(urlWidth)}  RESTARTS  PID");
            foreach (var row in rows)
            {
                output.WriteLine($"  {row.Name.PadRight(nameWidth)}  {row.State.PadRight(stateWidth)}  {(row.Url ?? "-").PadRight(urlWidth)}  {row.Restarts,8}  {row.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-"}");
            }

            output.WriteLine();
            output.Flush();
        }
    }

    private void OnChanged(ResourceSnapshot snapshot)
    {
        lock (_lock)
        {
            var key = (snapshot.State, snapshot.Detail, snapshot.Restarts);
            if (_shown.TryGetValue(snapshot.Name, out var previous) && previous == key)
            {
                return;
            }

            _shown[snapshot.Name] = key;
            var restarts = snapshot.Restarts > 0 ? $" restarts={snapshot.Restarts}" : string.Empty;
            var pid = snapshot.Pid is { } id ? $" pid={id}" : string.Empty;
            var detail = snapshot.Detail is null ? string.Empty : $"  ({snapshot.Detail})";
            output.WriteLine($"{Time()} {snapshot.Name,-16} {snapshot.State,-12} {snapshot.Url}{pid}{restarts}{detail}");
            output.Flush();
        }
    }

    private static string Time() => DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
