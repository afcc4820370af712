// Starts a private copy of the whole suite for browser tests: redis-server, the four services and
// the gateway, on loopback with free ports and a temporary data directory, and stops it again.
// The services get the same environment overrides as tests/harness/harness.cc ServiceProcess.
//
//   const stack = await startStack();
//   await page.goto(stack.baseURL);
//   ...
//   await stack.stop();

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICES = ['reporting', 'supervision', 'proposals', 'coordination'];
const POLL_MS = 50;
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const LOG_TAIL_LINES = 40;

const defaultRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Free loopback ports: all listeners are open at once so the ports differ, then closed. Another
// process could take one before our child binds it; on loopback in a test run that is rare.
async function freePorts(n) {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

// True once something accepts a TCP connection on 127.0.0.1:port.
function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => resolve(false));
  });
}

// The port written to a port file, or 0 while there is none yet.
function readPort(file) {
  try {
    const port = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return port > 0 ? port : 0;
  } catch {
    return 0;
  }
}

function tail(file, lines = LOG_TAIL_LINES) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startStack({ root = defaultRoot, buildDir, consoleDir, clockMs } = {}) {
  buildDir ??= path.join(root, 'build');
  consoleDir ??= path.join(root, 'console', 'dist');
  const deploy = path.join(root, 'deploy');
  const binary = (name) => path.join(buildDir, 'services', name, name);
  for (const name of [...SERVICES, 'gateway']) {
    try {
      fs.accessSync(binary(name), fs.constants.X_OK);
    } catch {
      throw new Error(`${binary(name)} is missing: build first (bash scripts/build.sh)`);
    }
  }

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'zs-e2e-'));
  const clockFile = path.join(dataDir, 'clock');
  const logFile = (name) => path.join(dataDir, `${name}.log`);
  const procs = []; // { name, child, exit: null | { code, signal } | { error } }, in start order

  // Rewrites the clock file through a temp file and rename, so a service never reads half a number.
  const setClock = (ms) => {
    const tmp = `${clockFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${Math.round(Number(ms))}\n`);
    fs.renameSync(tmp, clockFile);
  };

  // The last resort when the test process exits without stop(): nothing may outlive it.
  const onExit = () => {
    for (const p of procs) if (!p.exit) p.child.kill('SIGKILL');
    if (process.env.ZS_E2E_KEEP !== '1') fs.rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', onExit);

  // Starts `name`; its stdout and stderr are appended to <dataDir>/<name>.log.
  const launch = (name, file, args, env) => {
    const fd = fs.openSync(logFile(name), 'a');
    try {
      const child = spawn(file, args, {
        cwd: dataDir, // any relative path a config still holds stays inside the temp dir
        env: { ...process.env, ...env },
        stdio: ['ignore', fd, fd],
      });
      const p = { name, child, exit: null };
      child.once('exit', (code, signal) => { p.exit = { code, signal }; });
      child.once('error', (error) => { p.exit ??= { error }; });
      procs.push(p);
      return p;
    } finally {
      fs.closeSync(fd); // the child holds its own copy
    }
  };

  // Polls `ready` every 50 ms until it returns a truthy value; throws with the log's tail when
  // the process exits first or 20 s pass.
  const waitFor = async (p, failure, ready) => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      const value = await ready();
      if (value) return value;
      let problem = null;
      if (p.exit?.error) problem = `failed to start (${p.exit.error.message})`;
      else if (p.exit) problem = p.exit.signal ? `was killed by ${p.exit.signal} while starting`
        : `exited with code ${p.exit.code} while starting`;
      else if (Date.now() > deadline) problem = `${failure} within ${START_TIMEOUT_MS / 1000} s`;
      if (problem) {
        throw new Error(`${p.name} ${problem}; last lines of its log ` +
          `(${logFile(p.name)}, kept with ZS_E2E_KEEP=1):\n${tail(logFile(p.name))}`);
      }
      await sleep(POLL_MS);
    }
  };

  // Stops one process: SIGTERM, then SIGKILL if it is still running after 10 s.
  const terminate = async (p) => {
    if (p.exit) return;
    const exited = new Promise((resolve) => p.child.once('exit', resolve));
    p.child.kill('SIGTERM');
    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
    });
    if (await Promise.race([exited, timedOut]) === true) {
      console.warn(`[stack] ${p.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s: SIGKILL`);
      p.child.kill('SIGKILL');
      await exited;
    }
    clearTimeout(timer);
  };

  // Gateway first, then the services together, redis last. Idempotent.
  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      const byName = (n) => procs.filter((p) => p.name === n);
      await Promise.all(byName('gateway').map(terminate));
      await Promise.all(SERVICES.flatMap(byName).map(terminate));
      await Promise.all(byName('redis').map(terminate));
      process.off('exit', onExit);
      if (process.env.ZS_E2E_KEEP === '1') {
        console.log(`[stack] ZS_E2E_KEEP=1: data and logs kept in ${dataDir}`);
      } else {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    setClock(clockMs ?? Date.now());
    const [redisPort, ...servicePorts] = await freePorts(1 + SERVICES.length);
    const address = Object.fromEntries(SERVICES.map((s, i) => [s, `127.0.0.1:${servicePorts[i]}`]));
    // Every process is told where every service is; each reads only the keys it needs.
    const upstreamEnv = Object.fromEntries(
      SERVICES.map((s) => [`ZS_UPSTREAM_${s.toUpperCase()}_ADDRESS`, address[s]]),
    );
    const orgFile = path.join(deploy, 'local', 'org.yaml');

    fs.mkdirSync(path.join(dataDir, 'redis'));
    const redis = launch('redis', 'redis-server', [
      '--port', String(redisPort), '--bind', '127.0.0.1', '--dir', path.join(dataDir, 'redis'),
      '--appendonly', 'yes', '--save', '', '--daemonize', 'no',
    ], {});
    await waitFor(redis, 'accepted no TCP connection', () => canConnect(redisPort));

    for (const svc of SERVICES) {
      const svcDir = path.join(dataDir, svc);
      const portFile = path.join(dataDir, `${svc}.port`);
      fs.mkdirSync(svcDir);
      const config = path.join(deploy, 'local', `${svc}.yaml`);
      const p = launch(svc, binary(svc), [`--config=${config}`], {
        ZS_GRPC_LISTEN: address[svc],
        ZS_GRPC_PORT_FILE: portFile,
        ZS_GRPC_DRAIN_TIMEOUT: '2s',
        ZS_GRPC_SHUTDOWN_GRACE: '0s',
        ZS_METRICS_LISTEN: '', // metrics off
        ZS_DATA_DIR: svcDir,
        ZS_REDIS_ADDRESS: `127.0.0.1:${redisPort}`,
        ZS_ORG_FILE: orgFile,
        ZS_EVENTS_CONSUMER_NAME: `${svc}-e2e`,
        ZS_EVENTS_CLAIM_INTERVAL: '200ms',
        ZS_EVENTS_CLAIM_MIN_IDLE: '500ms',
        ZS_EVENTS_BLOCK: '200ms',
        ZS_CALENDAR_DIR: path.join(deploy, 'calendar'),
        ZS_CLOCK_FILE: clockFile,
        ...upstreamEnv,
      });
      await waitFor(p, 'wrote no port file', () => readPort(portFile));
    }

    const gatewayPortFile = path.join(dataDir, 'gateway.port');
    const gateway = launch('gateway', binary('gateway'),
      [`--config=${path.join(deploy, 'local', 'gateway.yaml')}`], {
        ZS_HTTP_LISTEN: '127.0.0.1:0',
        ZS_HTTP_PORT_FILE: gatewayPortFile,
        ZS_HTTP_SHUTDOWN_GRACE: '0s',
        ZS_METRICS_LISTEN: '',
        ZS_ORG_FILE: orgFile,
        ZS_CONSOLE_DIR: consoleDir,
        ZS_CONSOLE_DEV_SIGN_IN: 'true',
        ...upstreamEnv,
      });
    const gatewayPort =
      await waitFor(gateway, 'wrote no port file', () => readPort(gatewayPortFile));

    return {
      baseURL: `http://127.0.0.1:${gatewayPort}`,
      gatewayPort,
      dataDir,
      clockFile,
      setClock,
      logs: (name) => {
        try {
          return fs.readFileSync(logFile(name), 'utf8');
        } catch {
          return '';
        }
      },
      stop,
    };
  } catch (err) {
    await stop(); // whatever did start is stopped before the error goes up
    throw err;
  }
}
