// @ts-check
/**
 * Brings the tslab 1.0.22 kernel closer to the Jupyter messaging protocol 5.3, by
 * replacing a few methods of its (pinned) `dist/jupyter.js` and `dist/executor.js`
 * before the kernel starts. What tslab does alone, and what changes here:
 *
 * - `kernel_info_reply` has no `status`: adds `status: "ok"` and the TypeScript version
 *   tslab actually compiles with (it reports 3.7.2).
 * - A failing cell gets an `execute_reply` with `status: "error"` but no `ename`,
 *   `evalue`, `traceback`, and its error goes to stderr as text: now one `error` message
 *   (a thrown error's name, message and stack; or every TypeScript diagnostic as
 *   `line:col - message`), and the same fields in the reply. Clients (nbclient, JupyterLab)
 *   show the error as such, and headless runs name it.
 * - No `execute_input` is broadcast, so clients that number cells from it (nbclient, hence
 *   `nbconvert --execute`) leave every execution count empty: now one is sent as each cell
 *   starts, with its code and count.
 * - The value of a cell's last expression is printed with `console.log`: now it is an
 *   `execute_result` (`text/plain`, formatted by `util.inspect` as the Node REPL does).
 * - Aborted requests (queued behind an error) say `abort`: now `aborted`. tslab also
 *   aborts every request that arrives within 200 ms after an error: now only those
 *   already queued when it happened are aborted, as in ipykernel.
 * - `comm_info_request` is answered with the message type `complete_reply`: now
 *   `comm_info_reply` (no comms).
 * - `history_request` gets no answer (clients wait until they time out): the kernel now
 *   keeps this session's inputs and outputs and answers `tail`, `range` and `search`.
 * - A shorthand property naming a variable of an earlier cell (`{ batchSize }`) fails at
 *   run time with "batchSize is not defined" (tslab rewrites references to earlier cells'
 *   variables, but not shorthand properties): cells are run with each shorthand property
 *   written out (`{ batchSize: batchSize }`), which means the same in JavaScript.
 *
 * Everything else (completion, inspection, is_complete, display data, interrupts) is
 * tslab's own.
 */
'use strict';

const crypto = require('crypto');
const util = require('util');

/** The tslab release these replacements were written against. */
const TSLAB_VERSION = '1.0.22';

/**
 * @typedef {{ value?: unknown, hasValue: boolean, errors: unknown[][] }} Capture
 * What the executor reported for one cell instead of printing it.
 */

/** @type {Capture | undefined} */
let capture;

/**
 * @typedef {{ session: number, line: number, input: string, output: string | null }} HistoryEntry
 */

/** This kernel's history (session 1: tslab keeps nothing across restarts). */
/** @type {HistoryEntry[]} */
const history = [];

/**
 * The `error` fields (ename, evalue, traceback) for what a failing cell reported.
 * @param {unknown[][]} errors the arguments of each console.error call of the executor
 * @returns {{ ename: string, evalue: string, traceback: string[] }}
 */
function describeErrors(errors) {
  if (errors.length === 0) {
    return { ename: 'Error', evalue: 'the cell failed without a message', traceback: [] };
  }
  const [first] = errors;
  if (first.length === 1 && first[0] instanceof Error) {
    const e = first[0];
    return { ename: e.name || 'Error', evalue: e.message, traceback: userStack(e) };
  }
  if (first.length === 1 && !(typeof first[0] === 'string')) {
    return { ename: 'Error', evalue: `thrown value ${util.inspect(first[0])}`, traceback: [util.inspect(first[0])] };
  }
  // TypeScript diagnostics: printf-style calls, one per diagnostic.
  const lines = errors.map((args) => util.format(...args));
  return { ename: 'TypeScriptError', evalue: lines[0], traceback: lines };
}

/**
 * The stack of an error thrown by a cell, from its `Name: message` line down to the
 * first frame of the kernel's own machinery (Node's vm, tslab, this file).
 * @param {Error} e
 * @returns {string[]}
 */
function userStack(e) {
  const lines = (e.stack ?? '').split('\n');
  const head = lines.findIndex((l) => l.startsWith(`${e.name}:`) || l === e.name);
  const out = [];
  for (const line of lines.slice(Math.max(head, 0))) {
    if (/\(node:vm|node:internal|[\\/]tslab[\\/]dist[\\/]|kernel-protocol\.js/.test(line)) break;
    out.push(line);
  }
  return out.length > 0 ? out : [`${e.name}: ${e.message}`];
}

/**
 * The cell's source with every shorthand property assignment written out in full
 * (`{ a, b = 1 }` becomes `{ a: a, b: b = 1 }`, which JavaScript reads the same way).
 * @param {any} ts the TypeScript module tslab uses
 * @param {string} src
 */
function expandShorthandProperties(ts, src) {
  if (!/[{,]\s*[A-Za-z_$][\w$]*\s*[,}=]/.test(src)) return src;
  const file = ts.createSourceFile('cell.ts', src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  /** @type {Array<{ at: number, text: string }>} */
  const inserts = [];
  /** @param {any} node */
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.ShorthandPropertyAssignment) {
      inserts.push({ at: node.name.end, text: `: ${node.name.text}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = src;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/**
 * Converts a shell-glob pattern (as IPython's history search takes) to a RegExp.
 * @param {string} pattern
 */
function globToRegExp(pattern) {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[\\s\\S]*').replace(/\?/g, '[\\s\\S]');
  return new RegExp(`^${body}$`);
}

/**
 * The `history` list of a history_reply for a history_request's content.
 * @param {Record<string, any>} req
 * @returns {Array<[number, number, string | [string, string | null]]>}
 */
function historyReply(req) {
  /** @type {HistoryEntry[]} */
  let rows = [];
  if (req.hist_access_type === 'tail') {
    rows = req.n ? history.slice(-req.n) : history.slice();
  } else if (req.hist_access_type === 'range') {
    const start = req.start ?? 0;
    const stop = req.stop ?? Infinity;
    rows = history.filter((h) => h.session === (req.session || 1) && h.line >= start && h.line < stop);
  } else if (req.hist_access_type === 'search') {
    const re = globToRegExp(req.pattern ?? '*');
    rows = history.filter((h) => re.test(h.input));
    if (req.unique) {
      const seen = new Set();
      // Keep the latest occurrence of each input, in order.
      rows = rows.reverse().filter((h) => (seen.has(h.input) ? false : (seen.add(h.input), true))).reverse();
    }
    if (req.n) rows = rows.slice(-req.n);
  }
  return rows.map((h) => [h.session, h.line, req.output ? [h.input, h.output] : h.input]);
}

/**
 * Signs and sends a reply on `sock` for a raw shell message (used where tslab has no handler).
 * @param {{ key: string }} conn
 * @param {any} sock
 * @param {Buffer[]} frames the raw multipart message
 * @param {string} msgType
 * @param {object} content
 */
function sendRawReply(conn, sock, frames, msgType, content) {
  const delim = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
  const identities = frames.slice(0, delim);
  const parent = JSON.parse(frames[delim + 2].toString());
  const header = {
    version: '5.3',
    date: new Date().toISOString(),
    session: parent.session,
    username: parent.username,
    msg_type: msgType,
    msg_id: crypto.randomBytes(16).toString('hex'),
  };
  const bodies = [header, parent, {}, content].map((x) => JSON.stringify(x));
  const hmac = crypto.createHmac('sha256', conn.key);
  for (const b of bodies) hmac.update(b);
  sock.send([...identities, Buffer.from('<IDS|MSG>'), hmac.digest('hex'), ...bodies]);
}

/**
 * @param {Buffer[]} frames
 * @param {string} key the connection's signing key
 * @returns {{ msg_type?: string } | undefined} the header of a raw shell message, if it is signed with `key`
 */
function rawHeader(frames, key) {
  const delim = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
  if (delim < 0 || frames.length < delim + 6) return undefined;
  const hmac = crypto.createHmac('sha256', key);
  for (const f of frames.slice(delim + 2, delim + 6)) hmac.update(f);
  if (hmac.digest('hex') !== frames[delim + 1].toString()) return undefined;
  try {
    return JSON.parse(frames[delim + 2].toString());
  } catch {
    return undefined;
  }
}

/**
 * Installs the replacements into tslab's modules, found from `tslabMainPath`
 * (…/node_modules/tslab/dist/main.js). Call before tslab's `startKernel`.
 * @param {string} tslabMainPath
 */
function patchTslab(tslabMainPath) {
  const dir = require('path').dirname(tslabMainPath);
  const pkg = require(require('path').join(dir, '..', 'package.json'));
  if (pkg.version !== TSLAB_VERSION) {
    process.stderr.write(`note: tslab ${pkg.version} is installed; the protocol fixes were written for ${TSLAB_VERSION} and are skipped.\n`);
    return false;
  }
  const executorModule = require(require('path').join(dir, 'executor.js'));
  const jupyter = require(require('path').join(dir, 'jupyter.js'));
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [dir] }));

  // The executor prints the last value with console.log and errors with console.error:
  // record them for the current cell instead.
  const createExecutor = executorModule.createExecutor;
  executorModule.createExecutor = function (rootDir, convs, _console) {
    const executor = createExecutor(rootDir, convs, {
      log: (/** @type {unknown} */ value) => {
        if (capture) {
          capture.value = value;
          capture.hasValue = true;
        } else console.log(value);
      },
      error: (/** @type {unknown[]} */ ...args) => {
        if (capture) capture.errors.push(args);
        else console.error(...args);
      },
    });
    const execute = executor.execute;
    executor.execute = (/** @type {string} */ src) => execute(expandShorthandProperties(ts, src));
    return executor;
  };

  // Requests chained behind a failed one are cancelled by the queue itself; later ones run.
  const util2 = require(require('path').join(dir, 'util.js'));
  util2.TaskQueue.prototype.reset = function () {
    this.prev = Promise.resolve();
  };

  const Handler = jupyter.JupyterHandlerImpl.prototype;
  const handleKernel = Handler.handleKernel;
  Handler.handleKernel = function () {
    const reply = handleKernel.call(this);
    reply.status = 'ok';
    reply.language_info.version = ts.version;
    reply.banner = `TypeScript ${ts.version} (tslab ${pkg.version}, Node.js ${process.version}) for data2vec-ts`;
    return reply;
  };
  const handleExecuteImpl = Handler.handleExecuteImpl;
  Handler.handleExecuteImpl = async function (/** @type {any} */ req, /** @type {any} */ writeStream, /** @type {any} */ writeDisplayData) {
    /** @type {Capture} */
    const mine = { hasValue: false, errors: [] };
    capture = mine;
    req.__capture = mine;
    // tslab numbers the cell (++execCount) inside the original; announce that number now.
    if (typeof req.__publish === 'function') req.__publish('execute_input', { code: req.code, execution_count: this.execCount + 1 });
    try {
      return await handleExecuteImpl.call(this, req, writeStream, writeDisplayData);
    } finally {
      capture = undefined;
    }
  };

  const Server = jupyter.ZmqServer.prototype;
  Server.handleExecute = async function (/** @type {any} */ sock, /** @type {any} */ msg) {
    /** @param {string} type @param {object} content */
    const publish = (type, content) => {
      const m = msg.createReply();
      m.header.msg_type = type;
      m.content = content;
      m.signAndSend(this.connInfo.key, this.iopub);
    };
    const writeStream = (/** @type {string} */ name, /** @type {string} */ text) => publish('stream', { name, text });
    const writeDisplayData = (/** @type {object} */ data, /** @type {boolean} */ update) => publish(update ? 'update_display_data' : 'display_data', data);
    Object.defineProperty(msg.content, '__publish', { value: publish, enumerable: false });
    const content = await this.handler.handleExecute(msg.content, writeStream, writeDisplayData);
    /** @type {Capture} */
    const cap = msg.content.__capture ?? { hasValue: false, errors: [] };
    let output = null;
    if (content.status === 'ok') {
      // Errors of `%module` cells do not fail the cell: show them as text.
      for (const args of cap.errors) writeStream('stderr', util.format(...args) + '\n');
      if (cap.hasValue) {
        output = util.inspect(cap.value);
        publish('execute_result', { execution_count: content.execution_count, data: { 'text/plain': output }, metadata: {} });
      }
    } else if (content.status === 'error') {
      const err = describeErrors(cap.errors);
      publish('error', err);
      Object.assign(content, err);
    } else if (content.status === 'abort') {
      content.status = 'aborted';
    }
    if (content.execution_count !== undefined && msg.content.store_history !== false && msg.content.__capture) {
      history.push({ session: 1, line: content.execution_count, input: msg.content.code, output });
    }
    const reply = msg.createReply();
    reply.header.msg_type = 'execute_reply';
    reply.content = content;
    reply.signAndSend(this.connInfo.key, sock);
  };
  Server.handleCommInfoRequest = function (/** @type {any} */ sock, /** @type {any} */ msg) {
    const reply = msg.createReply();
    reply.header.msg_type = 'comm_info_reply';
    reply.content = { status: 'ok', comms: {} };
    reply.signAndSend(this.connInfo.key, sock);
  };
  const handleShellMessage = Server.handleShellMessage;
  Server.handleShellMessage = async function (/** @type {any} */ sock, /** @type {Buffer[]} */ ...frames) {
    const header = rawHeader(frames, this.connInfo.key);
    if (header?.msg_type !== 'history_request') return handleShellMessage.call(this, sock, ...frames);
    const delim = frames.findIndex((f) => f.toString() === '<IDS|MSG>');
    const req = JSON.parse(frames[delim + 5].toString());
    const publishStatus = (/** @type {string} */ state) => sendRawReply(this.connInfo, this.iopub, [Buffer.from('<IDS|MSG>'), ...frames.slice(delim + 1)], 'status', { execution_state: state });
    publishStatus('busy');
    sendRawReply(this.connInfo, sock, frames, 'history_reply', { status: 'ok', history: historyReply(req) });
    publishStatus('idle');
  };
  return true;
}

/**
 * Kernel → Interrupt (SIGINT) while a `pretrain` runs: tslab alone rejects the cell at
 * once and leaves the training running in the background. Here the signal goes to the
 * runs instead (the library lists them on `globalThis` under this key, see
 * src/run/interrupt.ts): each stops after its current update and writes its checkpoint,
 * and the cell ends with the run's summary (`stopped: true`). With no run going, tslab's
 * own interrupt handles the signal. Call after tslab's `startKernel`.
 */
const RUNNING_RUNS = Symbol.for('data2vec-ts.running-runs');

function routeInterrupts() {
  const tslabHandlers = process.listeners('SIGINT');
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', (signal) => {
    const runs = /** @type {Set<AbortController> | undefined} */ (/** @type {any} */ (globalThis)[RUNNING_RUNS]);
    const live = runs ? [...runs].filter((c) => !c.signal.aborted) : [];
    if (live.length > 0) live.forEach((c) => c.abort());
    else tslabHandlers.forEach((h) => h(signal));
  });
}

module.exports = { TSLAB_VERSION, patchTslab, routeInterrupts, describeErrors, historyReply, globToRegExp, userStack, expandShorthandProperties };
