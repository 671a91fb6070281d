using System.Net;
using System.Net.Sockets;

namespace AgentRelay.AppHost.Hosting;

/// <summary>Free TCP ports on 127.0.0.1, asked of the kernel (bind to port 0) rather than guessed.</summary>
public static class PortAllocator
{
    public static int GetFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static int Resolve(int port) => port == 0 ? GetFreePort() : port;
}
