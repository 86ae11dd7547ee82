"""Comms and widgets of the tsdl kernel through a real client (jupyter_client), every message checked.

usage: JUPYTER_PATH=DIR /usr/bin/python3 protocol.py ROOT RESULT_JSON [SCENARIO ...]
Starts kernel `tsdl` in ROOT/notebooks (so `import * as dl from "tsdl"` resolves to the build),
runs the scenarios below in one kernel, and writes [{"name", "ok", "error"}] to RESULT_JSON.

Checks: every message's structure (jupyter_kernel_test's message schema) and the comm contents the
messaging spec defines (comm_open / comm_msg / comm_close / comm_info_reply); every widget state the
kernel opens against ipywidgets' own model specification (@jupyter-widgets/schema
jupyterwidgetmodels.latest.json: exactly the attributes of the model, each of its type, references
to widgets of the right model), the comm_open metadata version 2.1.0, the widget-view display.
"""
import json
import os
import queue
import sys
import time
import traceback

from jsonschema import Draft4Validator
from jupyter_client.manager import KernelManager
from jupyter_kernel_test.msgspec_v5 import msg_structure_validator

ROOT = sys.argv[1]
RESULT = sys.argv[2]
ONLY = sys.argv[3:]

# Content shapes from the messaging spec ("Custom messages", "comm_info").
SPEC = {
    "comm_open": {"properties": {"comm_id": {"type": "string"}, "target_name": {"type": "string"}, "data": {"type": "object"},
                                 "target_module": {"type": ["string", "null"]}}, "required": ["comm_id", "target_name", "data"]},
    "comm_msg": {"properties": {"comm_id": {"type": "string"}, "data": {"type": "object"}}, "required": ["comm_id", "data"]},
    "comm_close": {"properties": {"comm_id": {"type": "string"}, "data": {"type": "object"}}, "required": ["comm_id", "data"]},
    "comm_info_reply": {"properties": {"status": {"enum": ["ok"]}, "comms": {"type": "object", "additionalProperties": {
        "type": "object", "properties": {"target_name": {"type": "string"}}, "required": ["target_name"]}}},
        "required": ["status", "comms"]},
    "status": {"properties": {"execution_state": {"enum": ["busy", "idle", "starting"]}}, "required": ["execution_state"]},
    "display_data": {"properties": {"data": {"type": "object"}, "metadata": {"type": "object"}, "transient": {"type": "object"}},
                     "required": ["data", "metadata"]},
    "stream": {"properties": {"name": {"enum": ["stdout", "stderr"]}, "text": {"type": "string"}}, "required": ["name", "text"]},
    "clear_output": {"properties": {"wait": {"type": "boolean"}}, "required": ["wait"]},
}
VALIDATORS = {k: Draft4Validator({"type": "object", **v}) for k, v in SPEC.items()}

MODELS = {}
for m in json.load(open(os.path.join(ROOT, "node_modules", "@jupyter-widgets", "schema", "jupyterwidgetmodels.latest.json"))):
    MODELS[(m["model"]["module"], m["model"]["name"])] = m

WIDGET_STATES = {}  # comm id -> state, for every jupyter.widget comm the kernel opened


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def validate(msg):
    m = dict(msg)
    m.pop("msg_id", None)
    m.pop("msg_type", None)
    m["header"] = dict(m["header"])
    m["header"]["date"] = str(m["header"]["date"])
    msg_structure_validator.validate({k: m[k] for k in ("header", "parent_header", "metadata", "content")})
    v = VALIDATORS.get(msg["msg_type"])
    if v:
        errors = [e.message for e in v.iter_errors(msg["content"])]
        check(not errors, f"{msg['msg_type']} breaks the messaging spec: {errors}: {msg['content']}")
    if msg["msg_type"] == "comm_open" and msg["content"]["target_name"] == "jupyter.widget":
        check_widget_open(msg)


def type_ok(attr, value):
    t = attr["type"]
    if value is None:
        return bool(attr.get("allow_none"))
    if t == "string":
        return isinstance(value, str) and ("enum" not in attr or value in attr["enum"])
    if t == "bool":
        return isinstance(value, bool)
    if t == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "array":
        if not isinstance(value, list):
            return False
        items = attr.get("items") or {}
        if items.get("type") == "reference":
            return all(isinstance(x, str) and x.startswith("IPY_MODEL_") for x in value)
        if items.get("type") == "string":
            return all(isinstance(x, str) for x in value)
        return True
    if t == "object":
        return isinstance(value, dict)
    if t == "reference":
        if not (isinstance(value, str) and value.startswith("IPY_MODEL_")):
            return False
        ref = WIDGET_STATES.get(value[len("IPY_MODEL_"):])
        return ref is not None and ref["_model_name"] == attr["widget"] + "Model"
    return True


def check_widget_open(msg):
    c = msg["content"]
    check(msg["metadata"].get("version") == "2.1.0", f"comm_open metadata must carry version 2.1.0, got {msg['metadata']}")
    data = c["data"]
    check(set(data) >= {"state", "buffer_paths"}, f"widget comm_open data must have state and buffer_paths: {list(data)}")
    state = data["state"]
    key = (state.get("_model_module"), state.get("_model_name"))
    model = MODELS.get(key)
    check(model is not None, f"{key} is not a model of ipywidgets 8's specification")
    names = {a["name"] for a in model["attributes"]}
    check(set(state) == names, f"{key[1]}: state keys differ from the spec: missing {sorted(names - set(state))}, extra {sorted(set(state) - names)}")
    for a in model["attributes"]:
        if a["name"].startswith("_model_") or a["name"].startswith("_view_"):
            check(state[a["name"]] == a["default"], f"{key[1]}.{a['name']} = {state[a['name']]!r}, the spec says {a['default']!r}")
        else:
            check(type_ok(a, state[a["name"]]), f"{key[1]}.{a['name']} = {state[a['name']]!r} is not a {a['type']} per the spec ({a})")
    WIDGET_STATES[c["comm_id"]] = state


class Client:
    def __init__(self):
        self.km = KernelManager(kernel_name="tsdl")
        self.km.start_kernel(cwd=os.path.join(ROOT, "notebooks"))
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)
        self.iopub = []
        self.execute('import * as dl from "tsdl";')

    def pull(self, timeout):
        try:
            msg = self.kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            return False
        validate(msg)
        self.iopub.append(msg)
        return True

    def wait(self, pred, timeout=60, what="a message"):
        deadline = time.time() + timeout
        seen = 0
        while True:
            for m in self.iopub[seen:]:
                if pred(m):
                    return m
            seen = len(self.iopub)
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting for {what}; last messages: {[(m['msg_type'], m['content']) for m in self.iopub[-8:]]}")
            self.pull(0.2)

    def of(self, msg_id):
        return [m for m in self.iopub if m["parent_header"].get("msg_id") == msg_id]

    def idle(self, msg_id, timeout=60):
        self.wait(lambda m: m["msg_type"] == "status" and m["content"]["execution_state"] == "idle"
                  and m["parent_header"].get("msg_id") == msg_id, timeout, f"idle of {msg_id}")
        return [m for m in self.of(msg_id) if m["msg_type"] != "status"]

    def execute(self, code, wait=True, timeout=120):
        msg_id = self.kc.execute(code)
        if not wait:
            return msg_id
        out = self.idle(msg_id, timeout)
        reply = self.shell_reply(msg_id)
        if reply["content"]["status"] != "ok":
            raise AssertionError(f"cell failed: {reply['content'].get('ename')}: {reply['content'].get('evalue')}\n{code}")
        return out

    def shell_reply(self, msg_id, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.time()))
            if r["parent_header"].get("msg_id") == msg_id:
                validate(r)
                return r
        raise AssertionError(f"no shell reply to {msg_id}")

    def text(self, code):
        out = self.execute(code)
        return "".join(m["content"]["text"] for m in out if m["msg_type"] == "stream") + "".join(
            m["content"]["data"].get("text/plain", "") for m in out if m["msg_type"] == "execute_result")

    def send(self, msg_type, content, buffers=None):
        msg = self.kc.session.msg(msg_type, content)
        self.kc.session.send(self.kc.shell_channel.socket, msg, buffers=buffers)
        return msg["header"]["msg_id"]

    def comm_info(self, target=None):
        content = {} if target is None else {"target_name": target}
        msg_id = self.send("comm_info_request", content)
        return self.shell_reply(msg_id)["content"]["comms"]

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def widget_opens(out, model_name):
    return [m for m in out if m["msg_type"] == "comm_open" and m["content"]["data"].get("state", {}).get("_model_name") == model_name]


def updates(msgs, method):
    return [m for m in msgs if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == method]


# ---------------------------------------------------------------------------------------- scenarios

def s_comm_roundtrip(c):
    c.execute('const opened: unknown[] = []; const closed: string[] = [];\n'
              'dl.widgets.registerCommTarget("tsdl.echo", (comm, msg) => {\n'
              '  opened.push(msg.data);\n'
              '  comm.onMsg((m) => comm.send({ pong: (m.data as any).ping, n: m.buffers.length }, { echoed: true }, m.buffers.slice().reverse()));\n'
              '  comm.onClose(() => { closed.push(comm.id); });\n'
              '});')
    open_id = c.send("comm_open", {"comm_id": "c-1", "target_name": "tsdl.echo", "data": {"x": 1}})
    c.idle(open_id)
    check(c.comm_info("tsdl.echo") == {"c-1": {"target_name": "tsdl.echo"}}, f"comm_info(tsdl.echo): {c.comm_info('tsdl.echo')}")
    check(c.comm_info("other.target") == {}, "comm_info filtered by another target must be empty")
    check("c-1" in c.comm_info(), "comm_info without a target lists every comm")
    check(json.loads(c.text("JSON.stringify(opened)").strip().strip("'")) == [{"x": 1}], "the target's handler must get the comm_open data")
    raw = bytes(range(256))
    floats = b"\x00\x00\x80\x3f\x00\x00\x00\x40"  # float32 [1, 2]
    msg_id = c.send("comm_msg", {"comm_id": "c-1", "data": {"ping": 7}}, buffers=[raw, floats])
    out = c.idle(msg_id)
    replies = [m for m in out if m["msg_type"] == "comm_msg"]
    check(len(replies) == 1, f"expected one comm_msg back, got {[(m['msg_type'], m['content']) for m in out]}")
    r = replies[0]
    check(r["content"] == {"comm_id": "c-1", "data": {"pong": 7, "n": 2}}, f"echo content: {r['content']}")
    check(r["metadata"] == {"echoed": True}, f"echo metadata: {r['metadata']}")
    check([bytes(b) for b in r["buffers"]] == [floats, raw], "binary buffers must come back byte for byte, in order")
    statuses = [m["content"]["execution_state"] for m in c.of(msg_id) if m["msg_type"] == "status"]
    check(statuses[:1] == ["busy"] and statuses[-1:] == ["idle"], f"comm_msg needs busy/idle parented to it: {statuses}")
    close_id = c.send("comm_close", {"comm_id": "c-1", "data": {}})
    c.idle(close_id)
    check(c.text("closed.join(',')").strip().strip("'") == "c-1", "comm_close must run the close handlers")
    check(c.comm_info() == {} or "c-1" not in c.comm_info(), "a closed comm is no longer listed")
    bad = c.send("comm_open", {"comm_id": "c-2", "target_name": "no.such.target", "data": {}})
    out = c.idle(bad)
    check([m["content"]["comm_id"] for m in out if m["msg_type"] == "comm_close"] == ["c-2"], "a comm_open to an unknown target is answered with comm_close")


def s_kernel_opens(c):
    out = c.execute('const got: unknown[] = [];\n'
                    'const kc = dl.widgets.openComm("tsdl.kernel-side", { hello: "world" }, { v: 1 }, [new Uint8Array([1, 2, 3]), new Float64Array([0.5])]);\n'
                    'kc.onMsg((m) => { got.push(m.data); });')
    opens = [m for m in out if m["msg_type"] == "comm_open"]
    check(len(opens) == 1, f"expected one comm_open: {[m['msg_type'] for m in out]}")
    o = opens[0]
    check(o["content"]["target_name"] == "tsdl.kernel-side" and o["content"]["data"] == {"hello": "world"} and o["metadata"] == {"v": 1}, f"comm_open: {o['content']} {o['metadata']}")
    check([bytes(b) for b in o["buffers"]] == [b"\x01\x02\x03", b"\x00\x00\x00\x00\x00\x00\xe0\x3f"], f"comm_open buffers: {o['buffers']}")
    comm_id = o["content"]["comm_id"]
    check(c.comm_info("tsdl.kernel-side") == {comm_id: {"target_name": "tsdl.kernel-side"}}, "kernel-opened comms are listed by comm_info")
    c.idle(c.send("comm_msg", {"comm_id": comm_id, "data": {"from": "frontend"}}))
    check(json.loads(c.text("JSON.stringify(got)").strip().strip("'")) == [{"from": "frontend"}], "frontend comm_msg must reach the kernel-side comm")
    out = c.execute('kc.send({ k: 2 }); kc.close({ bye: true }); kc.closed')
    kinds = [(m["msg_type"], m["content"].get("data")) for m in out if m["msg_type"].startswith("comm")]
    check(kinds == [("comm_msg", {"k": 2}), ("comm_close", {"bye": True})], f"kernel send/close: {kinds}")


def s_comm_while_busy(c):
    c.execute('const waiter = dl.widgets.openComm("tsdl.waiter");')
    comm_id = [m for m in c.iopub if m["msg_type"] == "comm_open" and m["content"]["target_name"] == "tsdl.waiter"][-1]["content"]["comm_id"]
    cell = c.execute('const answer = await new Promise<unknown>((resolve) => waiter.onMsg((m) => resolve(m.data)));\n'
                     'console.log("cell got", JSON.stringify(answer));', wait=False)
    c.wait(lambda m: m["msg_type"] == "status" and m["parent_header"].get("msg_id") == cell and m["content"]["execution_state"] == "busy", 30, "the cell to start")
    time.sleep(1.0)
    check(not any(m["msg_type"] == "status" and m["content"]["execution_state"] == "idle" for m in c.of(cell)), "the cell must still be waiting")
    msg_id = c.send("comm_msg", {"comm_id": comm_id, "data": {"go": True}})
    c.idle(msg_id, 20)  # handled while the cell is busy, not queued behind it
    out = c.idle(cell, 30)
    texts = "".join(m["content"]["text"] for m in out if m["msg_type"] == "stream")
    check('cell got {"go":true}' in texts, f"the waiting cell must get the comm message: {texts!r}")
    after = [m["content"]["execution_state"] for m in c.iopub if m["msg_type"] == "status" and m["parent_header"].get("msg_id") == cell]
    check(after[-1] == "idle" and after.count("busy") >= 2, f"busy is re-announced for the running cell after the comm's idle: {after}")


def s_slider_sync(c):
    out = c.execute('const s = new dl.widgets.FloatSlider({ min: 0, max: 1, step: 0.01, value: 0.2, description: "α" });\n'
                    'const seen: string[] = [];\n'
                    's.observe("value", (ch) => { seen.push(`${ch.source}:${ch.oldValue}->${ch.value}`); console.log("observed", ch.value); });\n'
                    'dl.display(s);')
    sliders = widget_opens(out, "FloatSliderModel")
    check(len(sliders) == 1 and len(widget_opens(out, "LayoutModel")) == 1 and len(widget_opens(out, "SliderStyleModel")) == 1,
          "a slider opens its Layout, its SliderStyle and itself")
    sid = sliders[0]["content"]["comm_id"]
    st = sliders[0]["content"]["data"]["state"]
    check(st["value"] == 0.2 and st["min"] == 0 and st["max"] == 1 and st["step"] == 0.01 and st["description"] == "α", f"slider state: {st}")
    shows = [m for m in out if m["msg_type"] == "display_data"]
    check(len(shows) == 1, "one display_data for the slider")
    view = shows[0]["content"]["data"]
    check(view.get("application/vnd.jupyter.widget-view+json") == {"version_major": 2, "version_minor": 0, "model_id": sid}, f"widget view: {view}")
    check("FloatSlider" in view.get("text/plain", ""), "text/plain fallback for frontends without widgets")
    msg_id = c.send("comm_msg", {"comm_id": sid, "data": {"method": "update", "state": {"value": 0.7}, "buffer_paths": []}})
    out = c.idle(msg_id)
    echo = updates(out, "echo_update")
    check(len(echo) == 1 and echo[0]["content"]["data"]["state"] == {"value": 0.7}, f"echo_update of the frontend's value: {[m['content'] for m in out]}")
    check(echo[0]["parent_header"]["msg_id"] == msg_id, "echo_update is parented to the frontend's update")
    check(any(m["msg_type"] == "stream" and "observed 0.7" in m["content"]["text"] for m in out), "observer output goes to the update message")
    check(c.text("s.value").strip() == "0.7", "the kernel-side value follows the frontend")
    msg_id = c.send("comm_msg", {"comm_id": sid, "data": {"method": "update", "state": {"value": 5}, "buffer_paths": []}})
    out = c.idle(msg_id)
    check([m["content"]["data"]["method"] for m in out if m["msg_type"] == "comm_msg"] == ["echo_update", "update"], "an out-of-range value is echoed, then corrected")
    check(updates(out, "update")[0]["content"]["data"]["state"] == {"value": 1}, "the correction clamps to max")
    out = c.execute("s.value = 0.25;")
    ups = updates(out, "update")
    check(len(ups) == 1 and ups[0]["content"]["comm_id"] == sid and ups[0]["content"]["data"] == {"method": "update", "state": {"value": 0.25}, "buffer_paths": []},
          f"a kernel-side change is sent as update: {[m['content'] for m in out]}")
    out = c.idle(c.send("comm_msg", {"comm_id": sid, "data": {"method": "request_state"}}))
    full = updates(out, "update")
    check(len(full) == 1 and full[0]["content"]["data"]["state"]["value"] == 0.25 and "_model_name" in full[0]["content"]["data"]["state"], "request_state answers the full state")
    check(c.text('seen.join(" ")').strip().strip("'") == "frontend:0.2->0.7 frontend:0.7->1 kernel:1->0.25", f"observers: {c.text('seen.join()')}")


def s_button_click(c):
    out = c.execute('const b = new dl.widgets.Button({ description: "Go", buttonStyle: "primary", icon: "play" });\n'
                    'let clicks = 0; b.onClick(() => { clicks++; console.log("clicked", clicks); });\nb')
    bid = widget_opens(out, "ButtonModel")[0]["content"]["comm_id"]
    check(any(m["msg_type"] == "execute_result" and "application/vnd.jupyter.widget-view+json" in m["content"]["data"] for m in out), "a widget as the last expression shows its view")
    for i in (1, 2):
        msg_id = c.send("comm_msg", {"comm_id": bid, "data": {"method": "custom", "content": {"event": "click"}}})
        out = c.idle(msg_id)
        check(any(m["msg_type"] == "stream" and f"clicked {i}" in m["content"]["text"] for m in out), f"click {i} runs the handler: {[m['content'] for m in out]}")
    check(c.text("clicks").strip() == "2", "two clicks counted")


def s_dropdown_checkbox_text(c):
    out = c.execute('const d = new dl.widgets.Dropdown({ options: [["Leaky ReLU", "leakyRelu"], ["ELU", "elu"]], description: "family" });\n'
                    'const cb = new dl.widgets.Checkbox({ value: true, description: "log" });\n'
                    'const t = new dl.widgets.Text({ value: "hi", placeholder: "name" });\n'
                    'const l = new dl.widgets.Label("a label"); const h = new dl.widgets.HTML("<b>x</b>");\n'
                    'const box = new dl.widgets.VBox([new dl.widgets.HBox([d, cb]), t, l, h]);')
    dd = widget_opens(out, "DropdownModel")[0]
    check(dd["content"]["data"]["state"]["_options_labels"] == ["Leaky ReLU", "ELU"] and dd["content"]["data"]["state"]["index"] == 0, "dropdown labels and index")
    for name in ("CheckboxModel", "TextModel", "LabelModel", "HTMLModel", "HBoxModel", "VBoxModel"):
        check(len(widget_opens(out, name)) == 1, f"{name} opened")
    c.idle(c.send("comm_msg", {"comm_id": dd["content"]["comm_id"], "data": {"method": "update", "state": {"index": 1}, "buffer_paths": []}}))
    check(c.text("d.value").strip().strip("'") == "elu", "the dropdown's value follows the frontend's index")


def s_output_and_interact(c):
    out = c.execute('const o = new dl.widgets.Output();\no.capture(() => console.log("inside"));')
    cell = [m for m in out if m["msg_type"] == "stream"][0]["parent_header"]["msg_id"]
    seq = [(m["msg_type"], m["content"]["data"]["state"].get("msg_id") if m["msg_type"] == "comm_msg" else m["content"].get("text"))
           for m in out if m["msg_type"] in ("comm_msg", "stream")]
    check(seq == [("comm_msg", cell), ("stream", "inside\n"), ("comm_msg", "")], f"Output captures by msg_id: {seq}")
    out = c.execute('let runs = 0;\nconst ia = dl.widgets.interact(({ n, kind }) => { runs++; console.log(`n=${n} kind=${kind}`); return `result ${n}`; },\n'
                    '  { n: [0, 10, 1, 3], kind: ["a", "b"] });\nia')
    sl = widget_opens(out, "IntSliderModel")[0]["content"]
    check(sl["data"]["state"]["value"] == 3 and sl["data"]["state"]["description"] == "n", f"interact's slider: {sl['data']['state']}")
    check(len(widget_opens(out, "DropdownModel")) == 1 and len(widget_opens(out, "OutputModel")) == 1, "interact makes a dropdown and an output")
    check(any(m["msg_type"] == "stream" and "n=3 kind=a" in m["content"]["text"] for m in out), "interact runs fn once")
    msg_id = c.send("comm_msg", {"comm_id": sl["comm_id"], "data": {"method": "update", "state": {"value": 8}, "buffer_paths": []}})
    out = c.idle(msg_id)
    out_id = widget_opens(c.iopub, "OutputModel")[-1]["content"]["comm_id"]
    msg_ids = [m["content"]["data"]["state"].get("msg_id") for m in out if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == out_id]
    check(msg_ids == [msg_id, ""], f"the re-run is captured under the update's msg_id: {msg_ids}")
    kinds = [m["msg_type"] for m in out if m["msg_type"] in ("clear_output", "stream", "display_data")]
    check(kinds[:1] == ["clear_output"] and "stream" in kinds and "display_data" in kinds, f"re-run clears and redraws: {kinds}")
    check(any(m["msg_type"] == "display_data" and m["content"]["data"].get("text/plain") == "result 8" for m in out), "the new result is shown")
    check(c.text("runs").strip() == "2", "fn ran twice")


def s_control_comm(c):
    oid = "ctl-1"
    c.idle(c.send("comm_open", {"comm_id": oid, "target_name": "jupyter.widget.control", "data": {}}))
    out = c.idle(c.send("comm_msg", {"comm_id": oid, "data": {"method": "request_states"}}))
    states = [m for m in out if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == "update_states"]
    check(len(states) == 1, "request_states is answered with update_states")
    all_states = states[0]["content"]["data"]["states"]
    open_widgets = c.comm_info("jupyter.widget")
    check(set(all_states) == set(open_widgets), "update_states holds every open widget")
    some = next(iter(all_states.values()))
    check(set(some) == {"model_name", "model_module", "model_module_version", "state"}, f"update_states entries: {list(some)}")


def s_fit_stop_button(c):
    out = c.execute('const xs = dl.tf.randomNormal([512, 8], 0, 1, "float32", 1); const ys = dl.tf.oneHot(dl.tf.cast(dl.tf.greater(dl.tf.sum(xs, 1), 0), "int32"), 2);\n'
                    'const net = dl.mlp({ inputShape: [8], hidden: 16, classes: 2 });\n'
                    'const dir = require("fs").mkdtempSync(require("path").join(require("os").tmpdir(), "tsdl-stop-"));\n'
                    'let stopRun: any;\n'
                    'const runP = dl.fit(net, { x: xs, y: ys }, { epochs: 400, batchSize: 16, stopButton: true, liveChart: false,\n'
                    '  checkpoint: { dir, monitor: "loss" }, callbacks: [{ onEpochEnd: () => new Promise((r) => setTimeout(r, 5)) }] }).then((r) => { stopRun = r; });', timeout=180)
    cell = c.execute('await runP; console.log(JSON.stringify({ stopped: stopRun.stopped, epochs: stopRun.records.length, best: stopRun.best }));', wait=False)
    button = c.wait(lambda m: m["msg_type"] == "comm_open" and m["content"]["data"].get("state", {}).get("_model_name") == "ButtonModel"
                    and "Stop" in m["content"]["data"]["state"].get("description", ""), 120, "the Stop button")
    bid = button["content"]["comm_id"]
    c.wait(lambda m: m["msg_type"] == "stream" and "epoch 2/" in m["content"]["text"], 120, "two epochs")
    t0 = time.time()
    c.idle(c.send("comm_msg", {"comm_id": bid, "data": {"method": "custom", "content": {"event": "click"}}}), 30)
    handled = time.time() - t0
    out = c.idle(cell, 120)
    line = [m["content"]["text"] for m in out if m["msg_type"] == "stream" and "stopped" in m["content"]["text"]]
    check(line, f"fit result not printed: {[m['content'] for m in out]}")
    r = json.loads(line[-1].strip().splitlines()[-1])
    check(r["stopped"] and "Stop button" in r["stopped"]["reason"], f"fit must report the Stop button: {r}")
    check(r["epochs"] < 400, f"training must end early: {r['epochs']} epochs")
    check(r["best"] and r["best"]["restored"], f"the best checkpoint is kept and restored: {r['best']}")
    print(f"stop click handled in {handled:.2f} s, training stopped after {r['epochs']} epoch(s)", file=sys.stderr)
    ups = [m["content"]["data"]["state"] for m in c.iopub if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == bid and m["content"]["data"].get("method") == "update"]
    check(any(u.get("disabled") is True for u in ups), f"the button is disabled once training stops: {ups}")


def state_of(msgs, comm_id):
    """A widget's state after these messages: its comm_open state with every update applied."""
    state = {}
    for m in msgs:
        if m["msg_type"] in ("comm_open", "comm_msg") and m["content"]["comm_id"] == comm_id:
            state.update(m["content"]["data"].get("state", {}))
    return state


def s_headless_output(h):
    """With no widget frontend (nbclient's case) the kernel captures: outputs state, no msg_id."""
    out = h.execute('const o = new dl.widgets.Output();\no.capture(() => { console.log("inside"); console.log("again"); dl.display(dl.md`**shown**`); });')
    o_id = widget_opens(out, "OutputModel")[0]["content"]["comm_id"]
    check(not [m for m in out if m["msg_type"] in ("stream", "display_data")], f"nothing captured reaches the cell: {[m['msg_type'] for m in out]}")
    check(all("msg_id" not in m["content"]["data"].get("state", {}) for m in updates(out, "update")), "no msg_id routing without a frontend")
    outputs = state_of(out, o_id)["outputs"]
    check(len(outputs) == 2 and outputs[0] == {"output_type": "stream", "name": "stdout", "text": "inside\nagain\n"}
          and outputs[1]["output_type"] == "display_data" and "text/markdown" in outputs[1]["data"],
          f"the widget's outputs state holds the prints (joined) and the display: {outputs}")
    check(h.text("o.outputs.length").strip() == "2", "the kernel side knows what the widget shows")
    check(h.text('console.log("after")').strip() == "after", "output after the capture goes to the cell again")
    out = h.execute('const o2 = new dl.widgets.Output();\nawait o2.capture(async () => { const d = dl.display("step 1"); dl.display("other"); await null; d.update("step 2"); });')
    o2_id = widget_opens(out, "OutputModel")[0]["content"]["comm_id"]
    shown = [o["data"].get("text/plain") for o in state_of(out, o2_id)["outputs"]]
    check(shown == ["step 2", "other"], f"an update of a captured display replaces it in place, also after an await: {shown}")
    check(not [m for m in out if m["msg_type"] in ("display_data", "update_display_data")], "the update stays in the widget")
    check(h.text('const o3 = new dl.widgets.Output(); o3.close();\no3.capture(() => console.log("not lost"));').strip() == "not lost",
          "a print into a closed Output reaches the cell instead of vanishing")
    out = h.execute('const ia = dl.widgets.interact(({ n }) => `result ${n}`, { n: [0, 10, 1, 3] });\nia')
    sl = widget_opens(out, "IntSliderModel")[0]["content"]["comm_id"]
    ia_out = widget_opens(out, "OutputModel")[0]["content"]["comm_id"]
    check(not [m for m in out if m["msg_type"] in ("display_data", "clear_output")], "interact's first run is captured kernel-side")
    shown = state_of(out, ia_out)["outputs"]
    check([o["data"].get("text/plain") for o in shown] == ["result 3"], f"interact's output holds the first result: {shown}")
    msg_id = h.send("comm_msg", {"comm_id": sl, "data": {"method": "update", "state": {"value": 8}, "buffer_paths": []}})
    again = h.idle(msg_id)
    shown = state_of(h.iopub, ia_out)["outputs"]
    check([o["data"].get("text/plain") for o in shown] == ["result 8"], f"the re-run replaced the output: {shown}")
    check(not [m for m in again if m["msg_type"] in ("display_data", "clear_output", "stream")], "the re-run sends nothing but state")


SCENARIOS = [s_comm_roundtrip, s_kernel_opens, s_comm_while_busy, s_slider_sync, s_button_click, s_dropdown_checkbox_text,
             s_output_and_interact, s_control_comm, s_fit_stop_button]


def main():
    results = []
    c = Client()
    # Announce a widget frontend, as widget managers do when they connect (frontend.ts).
    c.comm_info("jupyter.widget")
    try:
        for s in SCENARIOS:
            name = s.__name__[2:]
            if ONLY and name not in ONLY:
                continue
            t0 = time.time()
            try:
                s(c)
                results.append({"name": name, "ok": True, "error": None, "seconds": time.time() - t0})
            except Exception:
                results.append({"name": name, "ok": False, "error": traceback.format_exc(), "seconds": time.time() - t0})
        if not ONLY or "headless_output" in ONLY:
            t0 = time.time()
            h = Client()  # a second kernel, whose client never shows itself as a widget frontend
            try:
                s_headless_output(h)
                results.append({"name": "headless_output", "ok": True, "error": None, "seconds": time.time() - t0})
            except Exception:
                results.append({"name": "headless_output", "ok": False, "error": traceback.format_exc(), "seconds": time.time() - t0})
            finally:
                h.close()
    finally:
        c.close()
        with open(RESULT, "w") as f:
            json.dump(results, f)
    os._exit(0)


if __name__ == "__main__":
    main()
