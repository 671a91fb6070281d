using System.Net;
using System.Net.Sockets;

namespace AgentRelay.Tests.Infrastructure;

/// <summary>Loopback ports for what cannot bind port 0 itself and say which port it got.</summary>
public static class LoopbackPorts
{
    /// <summary>A port the system just gave out and took back: free now, and nothing listens on it (a "dead" address).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
