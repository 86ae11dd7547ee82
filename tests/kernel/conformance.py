"""Jupyter conformance suite (jupyter_kernel_test) for the tsdl TypeScript kernel.

Run by tests/kernel/conformance.test.ts against a kernelspec installed into a temporary
JUPYTER_PATH. Environment: TSDL_KERNEL_NAME (default "tsdl"), TSDL_ROOT (project root; default
two folders up from this file), used to import the project's src/display.ts by absolute path.
"""
import json
import os
import unittest

import jupyter_kernel_test

ROOT = os.environ.get("TSDL_ROOT") or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DISPLAY = json.dumps(os.path.join(ROOT, "src", "display"))


class TsdlKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("TSDL_KERNEL_NAME", "tsdl")
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world");'
    code_stderr = 'console.error("this goes to stderr");'

    completion_samples = [
        {"text": "Math.ab", "matches": ["abs"]},
        {"text": "const someLongName = 1;\nsomeLong", "matches": ["someLongName"]},
        {"text": "console.lo", "matches": ["log"]},  # by prefix: not timeLog
    ]

    # `expr?` asks for help (pager); a template literal continues on the next line; cells are
    # strict-mode modules, so `let = 1;` is invalid.
    complete_code_samples = ["1 + 1", "let x = 3;", "function f(a: number) { return a; }", "console.log('hi')", "Math.max?"]
    incomplete_code_samples = ["function f() {", "let a = [1, 2,", "if (true) {\n  console.log(1);", "let s = `abc"]
    invalid_code_samples = ["const = 1;", "}", "1 +* 2", "const x = );", "let = 1;", ")("]

    code_generate_error = 'throw new Error("deliberate failure");'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "[1, 2, 3].length * 2", "result": "6"},
        {"code": "'ab' + 'cd'", "result": "'abcd'"},
        {"code": "({ [Symbol.for('Jupyter.display')]: () => ({ 'text/html': '<b>bold</b>', 'text/plain': 'bold' }) })",
         "mime": "text/html", "result": "<b>bold</b>"},
    ]

    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<i>tslab html</i>");', "mime": "text/html"},
        {"code": "import { display } from %s;\ndisplay({ [Symbol.for('Jupyter.display')]: () => "
                 "({ 'application/json': { a: 1 }, 'text/html': '<p>one</p>', 'text/plain': 'one' }) });" % DISPLAY,
         "mime": "application/json"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + *"

    code_inspect_sample = "Math.max"
    code_page_something = "Math.max?"

    code_clear_output = "import { clearOutput } from %s;\nconsole.log('before');\nclearOutput();" % DISPLAY


if __name__ == "__main__":
    unittest.main(verbosity=2)
