"""Runs `jupyter nbconvert` (the arguments are nbconvert's) with a fix for a lost wakeup in
jupyter_client that can hang `--execute` for good on notebooks with Output widgets.

nbclient mimics a frontend's Output widget: while it reads a cell's IOPub messages it sends the
captured outputs back to the kernel on the shell channel, and meanwhile another task awaits the
cell's execute_reply on that same socket (asyncio, `socket.poll()`). jupyter_client's
`Session.send` sends through a plain, synchronous shadow of the asyncio socket, and that send
processes libzmq's pending commands, including "a message arrived" for a reply that came in just
then. The socket's file descriptor is then no longer readable, pyzmq's asyncio layer never looks
again, and the reply sits unread in the socket while nbconvert waits forever (nbclient issue #312,
open; the same in jupyter_client 8). `tsdl run` hit it in about 1 of 12 runs of notebook 01 on a
busy machine.

The fix: after a send on an asyncio socket, read its EVENTS through the asyncio socket; pyzmq
then re-checks what arrived and wakes the pending poll (a public part of pyzmq's event-loop
integration, which exists for code that consumes events behind its back).
"""
import sys


def patch_channel_send():
    """Makes every jupyter_client channel send re-arm its asyncio socket; idempotent."""
    import zmq
    import zmq.asyncio
    from jupyter_client import channels

    cls = channels.ZMQSocketChannel  # the async channels (7.x) or their base class (8.x)
    if getattr(cls.send, '_tsdl_rearms', False):
        return
    send = cls.send

    def send_and_rearm(self, msg):
        send(self, msg)
        sock = self.socket
        if isinstance(sock, zmq.asyncio.Socket) and not sock.closed:
            sock.get(zmq.EVENTS)

    send_and_rearm._tsdl_rearms = True
    cls.send = send_and_rearm


def main():
    patch_channel_send()
    from nbconvert.nbconvertapp import main as nbconvert
    sys.argv[0] = 'jupyter-nbconvert'
    sys.exit(nbconvert())


if __name__ == '__main__':
    main()
