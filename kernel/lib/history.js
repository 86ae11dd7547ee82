'use strict';
// In-memory history of executed cells for history_request (tail, range, search), like IPython's
// per-session history: entries are [session, line_number, input] or [session, line, [input, output]].

class History {
  constructor(session = 1) {
    this.session = session;
    /** @type {{line: number, input: string, output: string | null}[]} */
    this.entries = [];
  }

  /** @param {number} line @param {string} input */
  add(line, input) {
    this.entries.push({ line, input, output: null });
  }

  /** @param {number} line @param {string} output */
  setOutput(line, output) {
    const e = this.entries.find((x) => x.line === line);
    if (e) e.output = output;
  }

  /**
   * Answers the content of a history_request with the `history` list.
   * @param {{hist_access_type?: string, n?: number, session?: number, start?: number, stop?: number,
   *   pattern?: string, unique?: boolean, output?: boolean}} req
   */
  query(req) {
    let rows = this.entries;
    const type = req.hist_access_type;
    const n = req.n ?? 0;
    if (type === 'tail') {
      rows = n > 0 ? rows.slice(-n) : rows;
    } else if (type === 'range') {
      // session 0 or the current session number means "this session"; negative ones are older.
      if (req.session != null && req.session !== 0 && req.session !== this.session) rows = [];
      const start = req.start ?? 0;
      const stop = req.stop != null && req.stop > 0 ? req.stop : Infinity;
      rows = rows.filter((e) => e.line >= start && e.line < stop);
    } else if (type === 'search') {
      const re = globToRegExp(req.pattern ?? '*');
      rows = rows.filter((e) => re.test(e.input));
      if (req.unique) {
        const seen = new Set();
        rows = rows.slice().reverse().filter((e) => !seen.has(e.input) && seen.add(e.input)).reverse();
      }
      if (n > 0) rows = rows.slice(-n);
    } else {
      rows = [];
    }
    return rows.map((e) => [this.session, e.line, req.output ? [e.input, e.output ?? ''] : e.input]);
  }
}

/** Glob (as in IPython's SQLite GLOB): `*` any run, `?` one char, `[...]` a class; whole string. */
/** @param {string} glob */
function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!') || body.startsWith('^')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = end;
    } else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

module.exports = { History, globToRegExp };
