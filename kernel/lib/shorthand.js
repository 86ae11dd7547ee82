'use strict';
// tslab turns a reference to a variable from an earlier cell into `exports.name`, but it misses the
// shorthand property form: `{ range }` then throws "range is not defined". Writing each shorthand
// property out in full (`{ range: range }`) lets tslab's rewrite see the identifier. The meaning
// is unchanged, also inside destructuring assignments; lines stay where they were.

/**
 * @param {typeof import('typescript')} ts tslab's TypeScript
 * @param {string} src cell source
 * @returns {string}
 */
function expandShorthandProperties(ts, src) {
  if (!/[{,]\s*[A-Za-z_$][\w$]*\s*[,}]/.test(src)) return src; // cheap exit for most cells
  const file = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const inserts = [];
  const visit = (node) => {
    // `{ a = 1 } = obj` (a default in a destructuring assignment) must stay shorthand.
    if (ts.isShorthandPropertyAssignment(node) && !node.objectAssignmentInitializer) {
      inserts.push({ at: node.name.end, text: `: ${node.name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = src;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

module.exports = { expandShorthandProperties };
