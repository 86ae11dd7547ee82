"""Start a kernel with jupyter_client, optionally leave a cell running, then die abruptly (SIGKILL),
as a crashed or killed client would: the kernel must notice and exit (ipykernel's parent poller).

usage: JUPYTER_PATH=DIR /usr/bin/python3 orphan.py KERNEL_NAME PID_FILE [CODE]
Writes the kernel's pid to PID_FILE once the kernel answers (and CODE, if given, has been sent);
the kernel's output goes to PID_FILE.log (not to this process's pipes, which would stay open for
as long as an orphaned kernel lives).
"""
import os
import signal
import sys
import time

from jupyter_client.manager import KernelManager


def main():
    name, pid_file = sys.argv[1], sys.argv[2]
    code = sys.argv[3] if len(sys.argv) > 3 else None
    km = KernelManager(kernel_name=name)
    log = open(pid_file + ".log", "w")
    km.start_kernel(stdout=log, stderr=log)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    if code:
        kc.execute(code)
        time.sleep(1.5)  # the cell is running now
    with open(pid_file, "w") as f:
        f.write(str(km.provisioner.pid))
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
