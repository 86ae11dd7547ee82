"""Drive one kernel through a list of steps and print every step's reply and outputs as JSON.

usage: JUPYTER_PATH=DIR /usr/bin/python3 client.py KERNEL_NAME STEPS_JSON_FILE RESULT_JSON_FILE
Each step: {"code": str, "interrupt_after": seconds or null, "timeout": seconds (default 60)}.
Writes to RESULT_JSON_FILE (not stdout: the kernel shares stdout and Node makes it non-blocking)
{"start_s": launch to first execute_reply, "steps": [{"reply": {...}, "outputs": [{"msg_type", "content"}]}]}
"""
import json
import os
import sys
import time

from jupyter_client.manager import KernelManager


def run_step(km, kc, step):
    msg_id = kc.execute(step["code"])
    if step.get("interrupt_after") is not None:
        time.sleep(step["interrupt_after"])
        km.interrupt_kernel()
    timeout = step.get("timeout", 60)
    outputs = []
    deadline = time.time() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        outputs.append({"msg_type": msg["msg_type"], "content": msg["content"]})
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    return {"reply": reply["content"], "outputs": outputs}


def main():
    name, steps_file, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
    steps = json.load(open(steps_file))
    t0 = time.time()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)  # also makes sure IOPub is subscribed before the first execute
    results = []
    start_s = None
    try:
        for step in steps:
            results.append(run_step(km, kc, step))
            if start_s is None:
                start_s = time.time() - t0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(result_file, "w") as f:
        json.dump({"start_s": start_s, "steps": results}, f, default=str)
    os._exit(0)  # skip jupyter_client's noisy finalizers


if __name__ == "__main__":
    main()
