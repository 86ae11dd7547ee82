"""Drive one kernel through a list of steps with jupyter_client; write every step's replies and
outputs as JSON, and check every message the kernel sends against the message spec (msgspec.py).

usage: JUPYTER_PATH=DIR /usr/bin/python3 client.py KERNEL_NAME STEPS_JSON_FILE RESULT_JSON_FILE
Writes to RESULT_JSON_FILE (not stdout: the kernel shares stdout and Node makes it non-blocking):
  {"start_s": launch to the first step's answer, "pid": kernel pid, "alive": alive at the end,
   "steps": [...], "late": [messages for an earlier step that arrived after it ended],
   "schema_errors": [...]}

Steps (each a JSON object; "timeout" in seconds, default 60):
  {"code": str, "interrupt_after": s, "allow_stdin": bool (default true), "stdin": [answers],
   "user_expressions": {}, "silent", "store_history", "stop_on_error",
   "heartbeat_after": s (ping the heartbeat socket that long after sending the code),
   "expect_exit": true (the kernel is expected to die: collect outputs until it does)}
     -> {"reply", "outputs", "input_requests": [content], "elapsed_s", "heartbeat_s": reply time or null}
  {"queue": [code, ...]}  send all at once, then collect each -> {"replies", "outputs"}
  {"is_complete": code} -> {"reply", "latency_s"};  {"inspect": code, "cursor_pos"?} -> {"reply"}
  {"complete": code, "cursor_pos"?} -> {"reply"};  {"sleep": s} (late outputs are still recorded)
  {"replay": code}  the same signed execute_request sent twice -> {"replies": n, "outputs"}
"""
import json
import os
import queue
import signal
import sys
import time

import zmq
from jupyter_client.manager import KernelManager

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msgspec  # noqa: E402


class Driver:
    def __init__(self, km, kc):
        self.km, self.kc = km, kc
        self.owner = {}  # request msg_id -> step index
        self.done = set()  # step indexes that have ended
        self.late = []
        self.schema_errors = []
        self.pending = {}  # msg_id -> [iopub messages not yet claimed]

    def check(self, msg, channel):
        for p in msgspec.problems(msg, channel):
            self.schema_errors.append(p)

    def iopub(self, timeout):
        """One IOPub message (checked, and recorded as late when its step has ended), or None."""
        try:
            msg = self.kc.get_iopub_msg(timeout=max(0.01, timeout))
        except queue.Empty:
            return None
        self.check(msg, "iopub")
        parent = msg["parent_header"].get("msg_id")
        step = self.owner.get(parent)
        if step is not None and step in self.done and msg["msg_type"] != "status":
            self.late.append({"step": step, "msg_type": msg["msg_type"], "content": msg["content"]})
        return msg

    def shell(self, msg_id, deadline):
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            self.check(reply, "shell")
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def outputs_until_idle(self, msg_id, deadline, on_stdin=None):
        outputs = []
        while True:
            if on_stdin:
                on_stdin()
            box = self.pending.get(msg_id)
            msg = box.pop(0) if box else self.iopub(min(0.2, deadline - time.time()))
            if msg is None:
                if time.time() > deadline:
                    seen = [o["msg_type"] + (f" {o['content'].get('ename')}: {o['content'].get('evalue')}" if o["msg_type"] == "error" else "")
                            for o in outputs]
                    raise TimeoutError(f"no idle status for {msg_id}; outputs so far: {seen}")
                continue
            parent = msg["parent_header"].get("msg_id")
            if parent != msg_id:
                if parent in self.owner and self.owner[parent] not in self.done:
                    self.pending.setdefault(parent, []).append(msg)
                continue
            if msg["msg_type"] == "status":
                if msg["content"]["execution_state"] == "idle":
                    return outputs
                continue
            outputs.append({"msg_type": msg["msg_type"], "content": msg["content"]})

    def execute(self, i, step):
        kc = self.kc
        t0 = time.time()
        msg_id = kc.execute(
            step["code"],
            silent=step.get("silent", False),
            store_history=step.get("store_history", True),
            user_expressions=step.get("user_expressions", {}),
            allow_stdin=step.get("allow_stdin", True),
            stop_on_error=step.get("stop_on_error", True),
        )
        self.owner[msg_id] = i
        deadline = t0 + step.get("timeout", 60)
        heartbeat = None
        if step.get("heartbeat_after") is not None:
            time.sleep(step["heartbeat_after"])
            heartbeat = self.ping()
        if step.get("interrupt_after") is not None:
            time.sleep(step["interrupt_after"])
            self.km.interrupt_kernel()
        answers = list(step.get("stdin", []))
        requests = []

        def on_stdin():
            try:
                req = kc.get_stdin_msg(timeout=0.01)
            except queue.Empty:
                return
            self.check(req, "stdin")
            requests.append(req["content"])
            kc.input(answers.pop(0) if answers else "")

        if step.get("expect_exit"):
            outputs = []
            while self.km.is_alive() and time.time() < deadline:
                msg = self.iopub(0.2)
                if msg is not None and msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] != "status":
                    outputs.append({"msg_type": msg["msg_type"], "content": msg["content"]})
            while True:  # what was already on its way
                msg = self.iopub(0.5)
                if msg is None:
                    break
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] != "status":
                    outputs.append({"msg_type": msg["msg_type"], "content": msg["content"]})
            return {"reply": None, "outputs": outputs, "alive": self.km.is_alive()}
        outputs = self.outputs_until_idle(msg_id, deadline, on_stdin)
        reply = self.shell(msg_id, deadline)
        return {"reply": reply["content"], "outputs": outputs, "input_requests": requests, "elapsed_s": time.time() - t0,
                "heartbeat_s": heartbeat}

    def ping(self, timeout=3.0):
        """Seconds the heartbeat socket took to echo a ping, or None when it did not within `timeout`."""
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.REQ)
        sock.linger = 0
        sock.connect(self.km._make_url("hb"))
        t0 = time.time()
        try:
            sock.send(b"ping")
            if sock.poll(int(timeout * 1000)):
                sock.recv()
                return time.time() - t0
            return None
        finally:
            sock.close()

    def queued(self, i, step):
        ids = [self.kc.execute(code) for code in step["queue"]]
        for msg_id in ids:
            self.owner[msg_id] = i
        deadline = time.time() + step.get("timeout", 60)
        outputs = [self.outputs_until_idle(m, deadline) for m in ids]
        replies = [self.shell(m, deadline)["content"] for m in ids]
        return {"replies": replies, "outputs": outputs}

    def request(self, i, method, step, key):
        t0 = time.time()
        args = {"cursor_pos": step["cursor_pos"]} if "cursor_pos" in step else {}
        msg_id = getattr(self.kc, method)(step[key], **args)
        self.owner[msg_id] = i
        reply = self.shell(msg_id, t0 + step.get("timeout", 60))
        return {"reply": reply["content"], "latency_s": time.time() - t0}

    def replay(self, i, step):
        kc = self.kc
        content = dict(code=step["replay"], silent=False, store_history=True, user_expressions={}, allow_stdin=False, stop_on_error=True)
        msg = kc.session.msg("execute_request", content)
        self.owner[msg["header"]["msg_id"]] = i
        kc.shell_channel.send(msg)
        kc.shell_channel.send(msg)  # the same header, so the same signature
        replies, outputs = 0, []
        deadline = time.time() + step.get("timeout", 10)
        while time.time() < deadline:
            try:
                reply = kc.get_shell_msg(timeout=0.2)
                self.check(reply, "shell")
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    replies += 1
            except queue.Empty:
                pass
            m = self.iopub(0.05)
            if m is not None and m["parent_header"].get("msg_id") == msg["header"]["msg_id"] and m["msg_type"] != "status":
                outputs.append({"msg_type": m["msg_type"], "content": m["content"]})
        return {"replies": replies, "outputs": outputs}

    def run(self, i, step):
        if "code" in step:
            return self.execute(i, step)
        if "queue" in step:
            return self.queued(i, step)
        if "is_complete" in step:
            return self.request(i, "is_complete", step, "is_complete")
        if "inspect" in step:
            return self.request(i, "inspect", step, "inspect")
        if "complete" in step:
            return self.request(i, "complete", step, "complete")
        if "replay" in step:
            return self.replay(i, step)
        if "sleep" in step:
            end = time.time() + step["sleep"]
            while time.time() < end:
                self.iopub(end - time.time())
            return {}
        raise ValueError(f"unknown step {step!r}")


def report_hang(km):
    """With TSDL_TEST_HANG_SIGNAL=SIGUSR2 (and the kernel started with NODE_OPTIONS=--report-on-signal),
    a step that failed makes the kernel write a Node diagnostic report (its JS stacks) before it is shut down."""
    name = os.environ.get("TSDL_TEST_HANG_SIGNAL")
    pid = km.provisioner.pid if getattr(km, "provisioner", None) else None
    if name and pid:
        os.kill(pid, getattr(signal, name))
        time.sleep(3)


def main():
    name, steps_file, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
    steps = json.load(open(steps_file))
    t0 = time.time()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)  # also makes sure IOPub is subscribed before the first execute
    driver = Driver(km, kc)
    results = []
    start_s = None
    try:
        for i, step in enumerate(steps):
            try:
                results.append(driver.run(i, step))
            except Exception as e:  # noqa: BLE001 - reported to the test, which fails on it
                results.append({"error": f"{type(e).__name__}: {e}"})
                report_hang(km)
                break
            driver.done.add(i)
            if start_s is None:
                start_s = time.time() - t0
        while driver.iopub(0.3) is not None:  # late outputs of the last step
            pass
        alive = km.is_alive()
        pid = km.provisioner.pid if getattr(km, "provisioner", None) else None
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    with open(result_file, "w") as f:
        json.dump({"start_s": start_s, "pid": pid, "alive": alive, "steps": results, "late": driver.late,
                   "schema_errors": driver.schema_errors}, f, default=str)
    os._exit(0)  # skip jupyter_client's noisy finalizers


if __name__ == "__main__":
    main()
