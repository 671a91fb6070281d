using System.Globalization;
using System.Runtime.InteropServices;

namespace AgentRelay.ProxyService.Backends.ClaudeCli.Runtime;

/// <summary>
/// CPU priority of pooled CLI processes while they start (Linux). A process started ahead runs at a lower priority
/// (nice + <see cref="Lowering"/>) so that its start (about a second of CPU) takes only what requests being served leave
/// over; a request that takes it restores the proxy's own priority. Only where the proxy may restore it (root,
/// <c>CAP_SYS_NICE</c> or a sufficient <c>RLIMIT_NICE</c>): raising a priority again is privileged, and a pooled process
/// stuck at a low priority would serve its conversation slowly. Elsewhere pooled processes start at normal priority.
/// </summary>
/// <remarks>Linux nice values are per thread, and a new process's threads inherit the value of the thread that
/// created them: a pooled process is started from a short-lived thread whose own priority was lowered first, and
/// restoring sets every thread of the process.</remarks>
public static class CliPriority
{
    /// <summary>How much lower (in nice steps) a pooled process starts.</summary>
    public const int Lowering = 10;

    private const int PrioProcess = 0;

    private static readonly Lazy<int?> s_base = new(ProbeBase);

    /// <summary>Whether pooled processes can start at a lower priority and get the proxy's back.</summary>
    public static bool Available => s_base.Value is not null;

    /// <summary>Runs <paramref name="start"/> (a process start) on a new thread at the lowered priority, so that the
    /// process it starts inherits it; or on the calling thread when lowering is not available.</summary>
    public static T StartLowered<T>(Func<T> start)
    {
        if (s_base.Value is not { } baseNice)
        {
            return start();
        }

        return OnNewThread("cli-pool-start", () =>
        {
            _ = SetPriority(PrioProcess, 0, baseNice + Lowering);
            return start();
        });
    }

    /// <summary>Gives every thread of process <paramref name="pid"/> the proxy's own priority again.</summary>
    public static void Restore(int pid)
    {
        if (s_base.Value is not { } baseNice)
        {
            return;
        }

        try
        {
            foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var tid))
                {
                    _ = SetPriority(PrioProcess, tid, baseNice);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }
    }

    /// <summary>The proxy's own nice value, when a thread may lower its priority and raise it again; else null.</summary>
    private static int? ProbeBase()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return OnNewThread<int?>("cli-priority-probe", () =>
        {
            try
            {
                Marshal.SetLastPInvokeError(0);
                var current = GetPriority(PrioProcess, 0);
                if (current == -1 && Marshal.GetLastPInvokeError() != 0)
                {
                    return null;
                }

                return current + Lowering <= 19 && SetPriority(PrioProcess, 0, current + 1) == 0 && SetPriority(PrioProcess, 0, current) == 0
                    ? current
                    : null;
            }
            catch (Exception exception) when (exception is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        });
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread and waits for it: a priority set there stays with that thread (and
    /// what it starts), never with a thread of the pool. Its exception is raised here.
    /// </summary>
    private static T OnNewThread<T>(string name, Func<T> work)
    {
        var result = default(T)!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return result;
    }

    // DllImport: blittable arguments need no marshalling code (LibraryImport would need unsafe code in the project).
    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int prio);

    [DllImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static extern int GetPriority(int which, int who);
}
