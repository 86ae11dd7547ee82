"""Message-spec (5.3) checks for what a kernel sends, written for tsdl's tests.

`problems(msg, channel)` returns a list of strings, empty when the message is well formed: the
envelope (header fields, parent_header, metadata) and the content of every message type tsdl
sends, each checked with a JSON schema (jsonschema, Draft 7). Reply contents are checked by
their status (ok / error / aborted); `execute_reply` carries execution_count with every status, and
each entry of `user_expressions` is either an ok bundle or an error. Unknown message types are
reported too, so a new message cannot slip through unchecked.
"""
from __future__ import annotations

import datetime
from typing import Any

from jsonschema import Draft7Validator

STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
OBJ = {"type": "object"}
STRINGS = {"type": "array", "items": STR}

# A MIME bundle: keys are MIME types, JSON types (application/json, +json) may hold any JSON value,
# the others hold text (binary data travels base64-encoded).
BUNDLE = {
    "type": "object",
    "propertyNames": {"pattern": r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$"},
    "patternProperties": {r"(^application/json$)|(\+json$)": {}},
    "additionalProperties": STR,
}


def strict(properties: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object schema with exactly these keys, all required except `optional`."""
    return {
        "type": "object",
        "properties": properties,
        "required": [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


ERROR_FIELDS = {"ename": STR, "evalue": STR, "traceback": STRINGS}

USER_EXPRESSION = {
    "oneOf": [
        strict({"status": {"const": "ok"}, "data": BUNDLE, "metadata": OBJ}),
        strict({"status": {"const": "error"}, **ERROR_FIELDS}),
    ]
}

# Content schemas of successful replies and of IOPub/stdin messages.
CONTENT: dict[str, dict[str, Any]] = {
    # IOPub
    "status": strict({"execution_state": {"enum": ["busy", "idle", "starting"]}}),
    "execute_input": strict({"code": STR, "execution_count": INT}),
    "stream": strict({"name": {"enum": ["stdout", "stderr"]}, "text": STR}),
    "display_data": strict({"data": BUNDLE, "metadata": OBJ, "transient": OBJ}, optional=("transient",)),
    "update_display_data": strict(
        {"data": BUNDLE, "metadata": OBJ, "transient": strict({"display_id": STR})}
    ),
    "execute_result": strict(
        {"execution_count": INT, "data": BUNDLE, "metadata": OBJ, "transient": OBJ}, optional=("transient",)
    ),
    "error": strict(ERROR_FIELDS),
    "clear_output": strict({"wait": BOOL}),
    # stdin
    "input_request": strict({"prompt": STR, "password": BOOL}),
    # shell and control replies (status ok)
    "execute_reply": strict(
        {
            "status": {"const": "ok"},
            "execution_count": INT,
            "payload": {"type": "array", "items": {"type": "object", "required": ["source"]}},
            "user_expressions": {"type": "object", "additionalProperties": USER_EXPRESSION},
        },
        optional=("payload",),
    ),
    "inspect_reply": strict({"status": {"const": "ok"}, "found": BOOL, "data": BUNDLE, "metadata": OBJ}),
    "complete_reply": strict(
        {"status": {"const": "ok"}, "matches": STRINGS, "cursor_start": INT, "cursor_end": INT, "metadata": OBJ}
    ),
    "is_complete_reply": {
        "oneOf": [
            strict({"status": {"const": "incomplete"}, "indent": STR}, optional=("indent",)),
            strict({"status": {"enum": ["complete", "invalid", "unknown"]}}),
        ]
    },
    "history_reply": strict(
        {"status": {"const": "ok"}, "history": {"type": "array", "items": {"type": "array", "minItems": 3, "maxItems": 3}}}
    ),
    "kernel_info_reply": strict(
        {
            "status": {"const": "ok"},
            "protocol_version": {"type": "string", "pattern": r"^\d+\.\d+"},
            "implementation": STR,
            "implementation_version": STR,
            "language_info": {
                "type": "object",
                "required": ["name", "version", "mimetype", "file_extension"],
                "properties": {"name": STR, "version": STR, "mimetype": STR, "file_extension": {"type": "string", "pattern": r"^\."}},
            },
            "banner": STR,
            "debugger": BOOL,
            "help_links": {"type": "array", "items": strict({"text": STR, "url": STR})},
        },
        optional=("debugger", "help_links", "implementation_version"),
    ),
    "comm_info_reply": strict({"status": {"const": "ok"}, "comms": OBJ}),
    "interrupt_reply": strict({"status": {"const": "ok"}}),
    "shutdown_reply": strict({"status": {"const": "ok"}, "restart": BOOL}),
}

REPLY_ERROR = strict({"status": {"const": "error"}, **ERROR_FIELDS})
REPLY_ABORTED = strict({"status": {"const": "aborted"}})

HEADER = strict(
    {
        "msg_id": {"type": "string", "minLength": 1},
        "username": STR,
        "session": {"type": "string", "minLength": 1},
        "date": {},  # jupyter_client turns it into a datetime; checked below
        "msg_type": STR,
        "version": {"type": "string", "pattern": r"^5\.\d+$"},
    },
    optional=("subshell_id",),
)
HEADER["properties"]["subshell_id"] = {"type": ["string", "null"]}

CHANNEL_OF = {
    **{t: "iopub" for t in ("status", "execute_input", "stream", "display_data", "update_display_data", "execute_result", "error", "clear_output")},
    "input_request": "stdin",
    **{t: "shell" for t in ("execute_reply", "inspect_reply", "complete_reply", "is_complete_reply", "history_reply", "comm_info_reply")},
    **{t: "shell/control" for t in ("kernel_info_reply", "interrupt_reply", "shutdown_reply")},
}

_validators: dict[int, Draft7Validator] = {}


def _errors(schema: dict[str, Any], value: Any) -> list[str]:
    v = _validators.get(id(schema))
    if v is None:
        v = _validators[id(schema)] = Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<content>'}: {e.message}" for e in v.iter_errors(value)]


def problems(msg: dict[str, Any], channel: str) -> list[str]:
    """What is wrong with a message received on `channel` (iopub, shell, control, stdin)."""
    out: list[str] = []
    header = msg.get("header")
    msg_type = (header or {}).get("msg_type", "?")
    where = f"{channel} {msg_type}"
    for key in ("header", "parent_header", "metadata", "content"):
        if not isinstance(msg.get(key), dict):
            out.append(f"{where}: {key} must be an object")
    if out:
        return out
    out += [f"{where} header {e}" for e in _errors(HEADER, header)]
    if not isinstance(header.get("date"), (str, datetime.datetime)):
        out.append(f"{where} header date: not a date")
    expected = CHANNEL_OF.get(msg_type)
    if expected is None:
        return out + [f"{where}: unknown message type"]
    if channel not in expected.split("/"):
        out.append(f"{where}: sent on {channel}, belongs on {expected}")
    parent = msg["parent_header"]
    if msg_type.endswith("_reply") or msg_type in ("execute_input", "input_request"):
        if not parent.get("msg_id"):
            out.append(f"{where}: a reply must carry its request's header as parent_header")
    content = msg["content"]
    schema = CONTENT[msg_type]
    if msg_type.endswith("_reply") and msg_type != "is_complete_reply":
        status = content.get("status")
        if status == "error":
            schema = REPLY_ERROR
        elif status == "aborted":
            schema = REPLY_ABORTED
        if msg_type == "execute_reply" and status in ("error", "aborted"):
            # execute_reply carries the execution counter whatever its status.
            schema = {**schema, "properties": {**schema["properties"], "execution_count": INT},
                      "required": [*schema["required"], "execution_count"]}
    out += [f"{where} {e}" for e in _errors(schema, content)]
    return out
