#!/usr/bin/env node
// Kernel start time: launch to the first kernel_info_reply (when a frontend shows the kernel ready)
// and to the first execute_reply ("1 + 1"), for stock tslab 1.0.22 and the tsdl kernel, driving
// each kernel directly over ZeroMQ (no Jupyter client in the timing).
// Prints wall time and the kernel's CPU time (user+sys from /proc, steadier on a loaded machine).
//   node tests/kernel/measure.js [runs=5]    (MEASURE_CWD=dir: the kernels' working folder, default tmp)
// Not part of `npm test`: timings belong in reports, not assertions.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const net = require('net');
const { spawn } = require('child_process');

const root = path.resolve(__dirname, '..', '..');
const zmq = require(require.resolve('zeromq', { paths: [path.join(root, 'node_modules', 'tslab')] }));
const wire = require(path.join(root, 'kernel', 'lib', 'wire.js'));

const KERNELS = {
  'tslab-stock': (conn) => [path.join(root, 'node_modules', 'tslab', 'bin', 'tslab'), 'kernel', '--config-path', conn],
  tsdl: (conn) => [path.join(root, 'kernel', 'launch.js'), '--config-path', conn],
};

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (100/s)
  } catch { return NaN; }
}

async function once(name, dir) {
  const ports = {};
  for (const k of ['shell_port', 'iopub_port', 'control_port', 'stdin_port', 'hb_port']) ports[k] = await freePort();
  const key = 'measure-key';
  const conn = path.join(dir, `${name}-conn.json`);
  fs.writeFileSync(conn, JSON.stringify({ ...ports, ip: '127.0.0.1', transport: 'tcp', key, signature_scheme: 'hmac-sha256' }));
  const shell = new zmq.Dealer();
  shell.connect(`tcp://127.0.0.1:${ports.shell_port}`);
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, KERNELS[name](conn), { cwd: process.env.MEASURE_CWD || os.tmpdir(), stdio: 'ignore' });
  try {
    // A Dealer queues the requests until the kernel binds its shell socket.
    await shell.send(wire.encode({ msgType: 'kernel_info_request', session: 'measure', content: {} }, key, 'hmac-sha256'));
    let info = NaN;
    await shell.send(wire.encode({ msgType: 'execute_request', session: 'measure', content: { code: '1 + 1', silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true } }, key, 'hmac-sha256'));
    for await (const frames of shell) {
      const msg = wire.decode(frames, key, 'hmac-sha256');
      if (msg.header.msg_type === 'kernel_info_reply') info = Number(process.hrtime.bigint() - t0) / 1e9;
      if (msg.header.msg_type === 'execute_reply') {
        return { info, wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: cpuSeconds(child.pid), status: msg.content.status };
      }
    }
    throw new Error('shell socket closed');
  } finally {
    child.kill('SIGKILL');
    shell.close();
  }
}

async function main() {
  const runs = Number(process.argv[2] || 5);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsdl-measure-'));
  const results = Object.fromEntries(Object.keys(KERNELS).map((k) => [k, []]));
  try {
    for (let i = 0; i < runs; i++) for (const name of Object.keys(KERNELS)) results[name].push(await once(name, dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [name, rs] of Object.entries(results)) {
    const wall = rs.map((r) => r.wall);
    const cpu = rs.map((r) => r.cpu);
    console.log(`${name}: launch -> kernel_info_reply median ${median(rs.map((r) => r.info)).toFixed(2)} s; `
      + `-> first execute_reply median ${median(wall).toFixed(2)} s wall, ${median(cpu).toFixed(2)} s CPU `
      + `(wall ${wall.map((x) => x.toFixed(2)).join(', ')}; replies ${[...new Set(rs.map((r) => r.status))].join('/')})`);
  }
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
}

main().catch((e) => { console.error(e); process.exit(1); });
