using System;
using System.IO;
using System.Management.Automation.Internal;
using System.Management.Automation.Remoting.Client;
using System.Text;
using System.Threading;
using UserNsContainer.Engine;

namespace UserNsContainer.Sessions;

/// <summary>
/// PSRP over the server's stdin and stdout, one message per line, as PowerShell's own SSH
/// transport speaks it to `pwsh -s`. A reader thread hands each line to the session; the end of
/// the server's output breaks the session with the reason (the container exited or was
/// removed, or the server ended, with what it wrote to stderr).
/// </summary>
internal sealed class ContainerTransport : ClientSessionTransportManagerBase
{
    /// <summary>The server's answer to the session's close (command closes carry their own Guid).</summary>
    private const string CloseAck = "<CloseAck ";
    private readonly SessionServer _server;
    private StreamWriter? _writer;
    private int _closed;

    internal ContainerTransport(SessionServer server, Guid runspaceId, PSRemotingCryptoHelper cryptoHelper)
        : base(runspaceId, cryptoHelper)
    {
        _server = server;
    }

    public override void CreateAsync()
    {
        _writer = new StreamWriter(_server.Streams.Input, new UTF8Encoding(false), 64 * 1024) { AutoFlush = true };
        SetMessageWriter(_writer);
        new Thread(ReadServer) { IsBackground = true, Name = $"usnc session {_server.Container.Name}" }.Start();
    }

    private void ReadServer()
    {
        string? broken = null;
        try
        {
            var reader = new BoundedLineReader(_server.Streams.Output);
            SendOneItem(); // the session's first message, now that its answer can be read
            string? line;
            while ((line = reader.ReadLine()) is not null)
            {
                // the session's close is acknowledged: end the server (and a container made for
                // the session) before the close completes, so Remove-PSSession leaves nothing
                if (line.StartsWith(CloseAck, StringComparison.Ordinal) && line.Contains(Guid.Empty.ToString(), StringComparison.Ordinal))
                    CleanupConnection();
                HandleDataReceived(line);
            }
        }
        catch (InvalidDataException e)
        {
            broken = e.Message;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // the streams were closed under the reader: the session is closing
        }
        if (Volatile.Read(ref _closed) != 0)
            return;
        if (broken is not null)
        {
            _server.Kill(); // nothing more is read from it: it must not block on its stdout
            HandleErrorDataReceived(broken);
        }
        else
            HandleErrorDataReceived(_server.DescribeEnd());
    }

    protected override void CleanupConnection()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _server.Dispose();
    }

    protected override void Dispose(bool isDisposing)
    {
        base.Dispose(isDisposing);
        if (isDisposing)
            CleanupConnection();
    }
}
