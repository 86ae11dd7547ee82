'use strict';
// is_complete: tslab answers complete/incomplete; code that is "complete" but does not parse
// (e.g. `let = 1;`) is reported as invalid, as the messaging spec asks.

function isComplete(runner, code) {
  const res = runner.isComplete({ code });
  if (res.status !== 'complete') return res;
  const ts = runner.ts;
  const file = ts.createSourceFile('cell.tsx', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TSX);
  const diags = file.parseDiagnostics || [];
  return diags.length > 0 ? { status: 'invalid' } : res;
}

module.exports = { isComplete };
