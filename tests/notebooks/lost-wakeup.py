"""The lost shell wakeup that python/run_nbconvert.py fixes, reproduced without timing luck.

A client awaits a reply on its asyncio shell socket (as nbclient awaits execute_reply) while the
same socket sends a message (as nbclient's Output widget syncs captured outputs back). The reply
is made to arrive first, with the event loop held, so the send's command processing is the one
that sees it. Prints JSON: whether the reply was received, without and with the fix.
"""
import asyncio
import json
import sys
import time

import zmq
import zmq.asyncio
from jupyter_client import channels
from jupyter_client.session import Session

sys.dont_write_bytecode = True  # no __pycache__ inside the package folder
sys.path.insert(0, sys.argv[1])  # the folder of run_nbconvert.py
import run_nbconvert  # noqa: E402

AsyncChannel = getattr(channels, 'AsyncZMQSocketChannel', channels.ZMQSocketChannel)


async def reply_received():
    session = Session(key=b'secret')
    kernel = zmq.Context.instance().socket(zmq.ROUTER)  # the kernel's shell socket (synchronous)
    port = kernel.bind_to_random_port('tcp://127.0.0.1')
    ctx = zmq.asyncio.Context()
    client = ctx.socket(zmq.DEALER)
    client.connect(f'tcp://127.0.0.1:{port}')
    shell = AsyncChannel(client, session)
    try:
        shell.send(session.msg('execute_request', content={'code': '1'}))
        request = kernel.recv_multipart()  # blocking: the request has gone out
        waiting = asyncio.ensure_future(shell.get_msg(timeout=None))
        await asyncio.sleep(0.2)  # the poll is armed and the loop idle
        session.send(kernel, 'execute_reply', content={'status': 'ok'}, ident=request[0])
        time.sleep(0.3)  # the reply reaches the client's socket while the loop cannot run
        shell.send(session.msg('comm_msg', content={'comm_id': 'x', 'data': {}}))
        try:
            msg = await asyncio.wait_for(waiting, 3)
            return msg['msg_type'] == 'execute_reply'
        except asyncio.TimeoutError:
            return False
    finally:
        shell.close()
        kernel.close(linger=0)
        ctx.term()


def main():
    unpatched = asyncio.run(reply_received())
    run_nbconvert.patch_channel_send()
    patched = asyncio.run(reply_received())
    print(json.dumps({'unpatched': unpatched, 'patched': patched}))


if __name__ == '__main__':
    main()
