// Command-line options of `npm run notebooks`.
'use strict';

const USAGE = `Usage: npm run notebooks -- [options]
  --smoke              tiny data and one epoch (TSDL_SMOKE=1), same code path
  --only NAME          run only notebooks whose name contains NAME (repeatable, or comma-separated)
  -p KEY=VALUE         override a parameter; VALUE is a JSON literal (3, 0.1, true, [1,2], "s"),
                       anything else is taken as a string (repeatable)
  --out DIR            where reports go (default: reports/)
  --dir DIR            where the notebooks are (default: notebooks/)
  --timeout SECONDS    per-cell timeout (default: 600 with --smoke, else 7200)
  --no-install         use the tsdl kernelspec Jupyter already finds instead of installing one
  -h, --help           this text`;

/** Parses a -p value: a JSON literal when it parses, else the raw string. */
function parseValue(raw) {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function parseArgs(argv) {
  const opts = { smoke: false, only: [], params: {}, out: null, dir: null, timeout: null, install: true, help: false };
  const need = (i, flag) => {
    if (i + 1 >= argv.length) throw new Error(`${flag} needs a value.\n${USAGE}`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--smoke') opts.smoke = true;
    else if (a === '--no-install') opts.install = false;
    else if (a === '-h' || a === '--help') opts.help = true;
    else if (a === '--only') opts.only.push(...need(i++, a).split(',').filter(Boolean));
    else if (a.startsWith('--only=')) opts.only.push(...a.slice(7).split(',').filter(Boolean));
    else if (a === '--out') opts.out = need(i++, a);
    else if (a === '--dir') opts.dir = need(i++, a);
    else if (a === '--timeout') opts.timeout = Number(need(i++, a));
    else if (a === '-p' || a === '--param' || a.startsWith('-p')) {
      const kv = a === '-p' || a === '--param' ? need(i++, a) : a.slice(2);
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new Error(`-p expects KEY=VALUE, e.g. -p epochs=3; found ${JSON.stringify(kv)}.`);
      opts.params[kv.slice(0, eq)] = parseValue(kv.slice(eq + 1));
    } else throw new Error(`Unknown option ${JSON.stringify(a)}.\n${USAGE}`);
  }
  if (opts.timeout !== null && !(opts.timeout > 0)) throw new Error('--timeout expects a positive number of seconds.');
  return opts;
}

module.exports = { parseArgs, parseValue, USAGE };
