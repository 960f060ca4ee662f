#!/usr/bin/env node
// @ts-check
/**
 * Runs the WebGPU parity tests for scripts/gpu-check.js in this process, with mocha's
 * JSON reporter writing to a file (also inside the offline bundle, where mocha is
 * compiled into this script):
 *
 *   node scripts/gpu-parity.js TEST_FILE REPORT_JSON [GREP]
 *
 * Exit code: the number of failed tests (0 when all passed).
 */
'use strict';

// mocha 12's entry is an ES module re-exporting its CommonJS build: the class is its default export
const mochaModule = require('mocha');
const Mocha = mochaModule.default ?? mochaModule;

const [file, report, grep] = process.argv.slice(2);
if (!file || !report) {
  process.stderr.write('usage: gpu-parity.js TEST_FILE REPORT_JSON [GREP]\n');
  process.exit(2);
}
const mocha = new Mocha({ reporter: 'json', reporterOptions: { output: report }, timeout: 600_000 });
if (grep) mocha.grep(new RegExp(grep));
mocha.addFile(file);
mocha.run((failures) => {
  process.exitCode = Math.min(failures, 100);
});
