using System.Net;
using System.Net.Sockets;

namespace LlmOps.Testing;

/// <summary>
/// A TCP forwarder between one service and a shared server (the test RabbitMQ) that a test can cut and restore: an
/// outage for that service alone, without stopping the server other tests use. Cutting closes every connection and
/// refuses new ones, as a dead broker or a partitioned network does.
/// </summary>
public sealed class TcpGate : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private readonly Lock _gate = new();
    private readonly Task _acceptLoop;
    private volatile bool _cut;

    public TcpGate(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Cut()
    {
        _cut = true;
        lock (_gate)
        {
            foreach (var client in _open)
                client.Dispose();
            _open.Clear();
        }
    }

    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_cut)
            {
                client.Dispose();
                continue;
            }
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            lock (_gate)
            {
                _open.Add(client);
                _open.Add(upstream);
            }
            var a = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
            var b = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception)
        {
            // A cut, or either side closing: the connection is over either way.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
            lock (_gate)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        await _acceptLoop;
        _stop.Dispose();
    }
}
