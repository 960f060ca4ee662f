#!/usr/bin/env node
// @ts-check
/**
 * Where the host's time goes, from a V8 CPU profile (`node --cpu-prof`, or
 * `NODE_OPTIONS=--cpu-prof` for the GPU check's run.sh): the functions with the most
 * self time, and the most inclusive time, as a table, and for the top self-time functions
 * the call paths (five callers up) their time came from. Used to see what stalls the GPU
 * when a training update is host-bound (src/run/kernel-profile.ts gives the GPU side).
 *
 *   node scripts/cpu-profile-summary.js FILE.cpuprofile [--top N] [--callers N]
 */
'use strict';

const fs = require('fs');
const path = require('path');

/**
 * Self and inclusive milliseconds per function (name + file:line) of a `.cpuprofile`.
 * @param {{nodes: {id: number, callFrame: {functionName: string, url: string, lineNumber: number}, children?: number[]}[], samples: number[], timeDeltas: number[]}} profile
 */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const key = (n) => `${n.callFrame.functionName || '(anonymous)'} ${path.basename(n.callFrame.url || '')}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const total = new Map();
  /** function → (caller path → µs of its self time) */
  const callers = new Map();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    self.set(key(n), (self.get(key(n)) ?? 0) + us);
    const chain = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < CALLER_DEPTH; cur = parent.get(cur)) chain.push(key(byId.get(cur)));
    const paths = callers.get(key(n)) ?? new Map();
    paths.set(chain.join(' < '), (paths.get(chain.join(' < ')) ?? 0) + us);
    callers.set(key(n), paths);
    // each function counted once per sample on its stack (recursion not double-counted)
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + us);
    }
  }
  const wallUs = profile.timeDeltas.reduce((a, b) => a + b, 0);
  return { wallMs: wallUs / 1000, self, total, callers };
}

/** Callers listed per call path in the caller table. */
const CALLER_DEPTH = 5;

/** The top `top` self-time functions, each with its three heaviest caller paths. */
function callerTable(s, top) {
  const lines = [`callers of the top ${top} self-time functions (${CALLER_DEPTH} frames up)`];
  for (const [k, us] of [...s.self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    lines.push(`  ${(us / 1000).toFixed(1).padStart(10)} ms  ${k}`);
    for (const [chain, cu] of [...(s.callers.get(k) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 3)) lines.push(`  ${(cu / 1000).toFixed(1).padStart(10)}      < ${chain}`);
  }
  return lines.join('\n');
}

function table(title, map, wallMs, top) {
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  const lines = [`${title}`, `  ${'ms'.padStart(10)} ${'share'.padStart(6)}  function`];
  for (const [k, us] of rows) lines.push(`  ${(us / 1000).toFixed(1).padStart(10)} ${((100 * us) / 1000 / wallMs).toFixed(1).padStart(5)}%  ${k}`);
  return lines.join('\n');
}

function main() {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 40;
  const callersAt = args.indexOf('--callers');
  const callersTop = callersAt >= 0 ? Number(args[callersAt + 1]) : 0;
  if (!file) throw new Error('usage: cpu-profile-summary.js FILE.cpuprofile [--top N] [--callers N]');
  let profile;
  try {
    profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not a readable V8 CPU profile (${/** @type {Error} */ (e).message}); write one with node --cpu-prof.`);
  }
  if (!Array.isArray(profile.nodes) || !Array.isArray(profile.samples)) throw new Error(`${file} has no nodes/samples: not a V8 CPU profile; write one with node --cpu-prof.`);
  const s = summarize(profile);
  process.stdout.write(`${file}: ${(s.wallMs / 1000).toFixed(1)} s sampled\n\n${table('self time', s.self, s.wallMs, top)}\n\n${table('inclusive time', s.total, s.wallMs, top)}\n${callersTop > 0 ? `\n${callerTable(s, callersTop)}\n` : ''}`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`error: ${/** @type {Error} */ (e).message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { summarize };
