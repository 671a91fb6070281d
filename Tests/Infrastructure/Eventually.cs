namespace AgentRelay.Tests.Infrastructure;

/// <summary>Waits for something another process or thread does "soon", with a deadline instead of a sleep.</summary>
public static class Eventually
{
    public static async Task<T> GetAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public static Task<T> GetAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan? timeout = null) =>
        GetAsync(() => Task.FromResult(read()), done, timeout);
}
